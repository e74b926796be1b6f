;; The three loops of causal attention, forward and backward (attention.ts),
;; on float32 rows with 128-bit SIMD. Hand-written WebAssembly text; compiled
;; to bytes by scripts/build-kernels.mjs into src/core/nn/generated/attentionWasm.ts.
;;
;; One call covers one (sequence, head): t positions, rows of dh floats.
;; Row p of a matrix X lives at byte X + p·xs (xs = the row stride in bytes,
;; so heads interleaved in a [tokens, heads·dh] layout are read in place).
;; W is a dense t × t float32 matrix (row p at W + 4·p·t); only its lower
;; triangle j ≤ p is read or written — the causal mask.
;;
;;   scores: W[p, j] = scale · (A_p · B_j)            j ≤ p
;;   rowsum: O_p    += Σ_{j ≤ p} W[p, j] · X_j
;;   colsum: O_j    += Σ_{p ≥ j} W[p, j] · X_p
;;
;; Lanes: dh is processed 4 floats at a time, then a scalar tail, so any dh
;; works. Accumulation is float32 in lane order (not bit-identical to a
;; sequential sum; attention.ts's tests allow for that).
(module
  (memory (export "memory") 1)

  ;; A_p · B_j over n floats.
  (func $dot (param $a i32) (param $b i32) (param $n i32) (result f32)
    (local $acc v128) (local $i i32) (local $n4 i32) (local $s f32)
    (local.set $n4 (i32.and (local.get $n) (i32.const -4)))
    (local.set $acc (v128.const f32x4 0 0 0 0))
    (block $done
      (loop $vec
        (br_if $done (i32.ge_u (local.get $i) (local.get $n4)))
        (local.set $acc (f32x4.add (local.get $acc)
          (f32x4.mul (v128.load (local.get $a)) (v128.load (local.get $b)))))
        (local.set $a (i32.add (local.get $a) (i32.const 16)))
        (local.set $b (i32.add (local.get $b) (i32.const 16)))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $vec)))
    (local.set $s (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $acc)) (f32x4.extract_lane 1 (local.get $acc)))
      (f32.add (f32x4.extract_lane 2 (local.get $acc)) (f32x4.extract_lane 3 (local.get $acc)))))
    (block $tailDone
      (loop $tail
        (br_if $tailDone (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $s (f32.add (local.get $s) (f32.mul (f32.load (local.get $a)) (f32.load (local.get $b)))))
        (local.set $a (i32.add (local.get $a) (i32.const 4)))
        (local.set $b (i32.add (local.get $b) (i32.const 4)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $tail)))
    (local.get $s))

  ;; O[0..n) += w · X[0..n)
  (func $axpy (param $w f32) (param $x i32) (param $o i32) (param $n i32)
    (local $wv v128) (local $i i32) (local $n4 i32)
    (local.set $n4 (i32.and (local.get $n) (i32.const -4)))
    (local.set $wv (f32x4.splat (local.get $w)))
    (block $done
      (loop $vec
        (br_if $done (i32.ge_u (local.get $i) (local.get $n4)))
        (v128.store (local.get $o) (f32x4.add (v128.load (local.get $o)) (f32x4.mul (local.get $wv) (v128.load (local.get $x)))))
        (local.set $x (i32.add (local.get $x) (i32.const 16)))
        (local.set $o (i32.add (local.get $o) (i32.const 16)))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $vec)))
    (block $tailDone
      (loop $tail
        (br_if $tailDone (i32.ge_u (local.get $i) (local.get $n)))
        (f32.store (local.get $o) (f32.add (f32.load (local.get $o)) (f32.mul (local.get $w) (f32.load (local.get $x)))))
        (local.set $x (i32.add (local.get $x) (i32.const 4)))
        (local.set $o (i32.add (local.get $o) (i32.const 4)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $tail))))

  (func (export "scores") (param $a i32) (param $as i32) (param $b i32) (param $bs i32) (param $w i32) (param $t i32) (param $dh i32) (param $scale f32)
    (local $p i32) (local $j i32) (local $ap i32) (local $wp i32)
    (block $rowsDone
      (loop $rows
        (br_if $rowsDone (i32.ge_u (local.get $p) (local.get $t)))
        (local.set $ap (i32.add (local.get $a) (i32.mul (local.get $p) (local.get $as))))
        (local.set $wp (i32.add (local.get $w) (i32.shl (i32.mul (local.get $p) (local.get $t)) (i32.const 2))))
        (local.set $j (i32.const 0))
        (loop $cols
          (f32.store
            (i32.add (local.get $wp) (i32.shl (local.get $j) (i32.const 2)))
            (f32.mul (local.get $scale)
              (call $dot (local.get $ap) (i32.add (local.get $b) (i32.mul (local.get $j) (local.get $bs))) (local.get $dh))))
          (local.set $j (i32.add (local.get $j) (i32.const 1)))
          (br_if $cols (i32.le_u (local.get $j) (local.get $p))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $rows))))

  (func (export "rowsum") (param $w i32) (param $x i32) (param $xs i32) (param $o i32) (param $os i32) (param $t i32) (param $dh i32)
    (local $p i32) (local $j i32) (local $wp i32) (local $op i32)
    (block $rowsDone
      (loop $rows
        (br_if $rowsDone (i32.ge_u (local.get $p) (local.get $t)))
        (local.set $wp (i32.add (local.get $w) (i32.shl (i32.mul (local.get $p) (local.get $t)) (i32.const 2))))
        (local.set $op (i32.add (local.get $o) (i32.mul (local.get $p) (local.get $os))))
        (local.set $j (i32.const 0))
        (loop $cols
          (call $axpy
            (f32.load (i32.add (local.get $wp) (i32.shl (local.get $j) (i32.const 2))))
            (i32.add (local.get $x) (i32.mul (local.get $j) (local.get $xs)))
            (local.get $op) (local.get $dh))
          (local.set $j (i32.add (local.get $j) (i32.const 1)))
          (br_if $cols (i32.le_u (local.get $j) (local.get $p))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $rows))))

  (func (export "colsum") (param $w i32) (param $x i32) (param $xs i32) (param $o i32) (param $os i32) (param $t i32) (param $dh i32)
    (local $p i32) (local $j i32) (local $wp i32) (local $xp i32)
    (block $rowsDone
      (loop $rows
        (br_if $rowsDone (i32.ge_u (local.get $p) (local.get $t)))
        (local.set $wp (i32.add (local.get $w) (i32.shl (i32.mul (local.get $p) (local.get $t)) (i32.const 2))))
        (local.set $xp (i32.add (local.get $x) (i32.mul (local.get $p) (local.get $xs))))
        (local.set $j (i32.const 0))
        (loop $cols
          (call $axpy
            (f32.load (i32.add (local.get $wp) (i32.shl (local.get $j) (i32.const 2))))
            (local.get $xp)
            (i32.add (local.get $o) (i32.mul (local.get $j) (local.get $os)))
            (local.get $dh))
          (local.set $j (i32.add (local.get $j) (i32.const 1)))
          (br_if $cols (i32.le_u (local.get $j) (local.get $p))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $rows)))))
