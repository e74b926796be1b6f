;; The element-wise loops of BitLinear and AdamW training (fusedLinear.ts,
;; adamw.ts) on float32 rows with 128-bit SIMD. Hand-written WebAssembly text;
;; compiled to bytes by scripts/build-kernels.mjs into src/core/nn/generated/linearWasm.ts.
;;
;; Every row length and count passed here is a multiple of 4 (the callers fall
;; back to their plain-JS loops otherwise, and those loops are the reference
;; the tests hold these to). Pointers are byte offsets into this memory.
;;
;;   rmsnorm:      n = f32(x · r · g), r = 1/√(Σx²/d + ε) per row, in float64 (r stored as f64)
;;   rmsnorm_grad: dx = r·(dn ⊙ g − x̄ · Σ(dn ⊙ g ⊙ x̄)/d),  dg += Σ_rows dn ⊙ x̄,  x̄ = x·r (float64)
;;   actquant:     out = clamp(round½even(f32(x·sx)), −128, 127) / sx,  sx = 127 / max(max|x|, 1e-5); NaN → 0
;;   transpose:    [rows, cols] → [cols, rows] in 4 × 4 tiles
;;   adam:         one AdamW update of n values in float32
;;   ternary:      out[r, c0 + j] = s·(w > t) − s·(w < −t) for finite w, 0 otherwise   (w [rows, cols] → out rows of ostride)
(module
  (memory (export "memory") 1)

  ;; (Lanes 2, 3 of a float32 vector as a float64 pair are promote_low of the vector shuffled by 8 bytes,
  ;; written out at each use: a call per vector cost more than the arithmetic.)

  ;; 1/√(Σ_{j<d} x_j² / d + ε) of the row at $x, in float64.
  (func $rowInv (param $x i32) (param $d i32) (param $eps f64) (result f64)
    (local $end i32) (local $acc v128) (local $v v128) (local $lo v128) (local $hi v128)
    (local.set $end (i32.add (local.get $x) (i32.shl (local.get $d) (i32.const 2))))
    (local.set $acc (v128.const f64x2 0 0))
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $x) (local.get $end)))
        (local.set $v (v128.load (local.get $x)))
        (local.set $lo (f64x2.promote_low_f32x4 (local.get $v)))
        (local.set $hi (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v))))
        (local.set $acc (f64x2.add (local.get $acc)
          (f64x2.add (f64x2.mul (local.get $lo) (local.get $lo)) (f64x2.mul (local.get $hi) (local.get $hi)))))
        (local.set $x (i32.add (local.get $x) (i32.const 16)))
        (br $l)))
    (f64.div (f64.const 1)
      (f64.sqrt (f64.add (f64.div
        (f64.add (f64x2.extract_lane 0 (local.get $acc)) (f64x2.extract_lane 1 (local.get $acc)))
        (f64.convert_i32_u (local.get $d))) (local.get $eps)))))

  (func (export "rmsnorm") (param $x i32) (param $g i32) (param $n i32) (param $r i32) (param $rows i32) (param $d i32) (param $eps f64)
    (local $row i32) (local $j i32) (local $inv v128) (local $v v128) (local $gv v128) (local $o i32)
    (block $rowsDone
      (loop $rowsL
        (br_if $rowsDone (i32.ge_u (local.get $row) (local.get $rows)))
        (local.set $o (i32.shl (i32.mul (local.get $row) (local.get $d)) (i32.const 2)))
        (local.set $inv (f64x2.splat (call $rowInv (i32.add (local.get $x) (local.get $o)) (local.get $d) (local.get $eps))))
        (f64.store (i32.add (local.get $r) (i32.shl (local.get $row) (i32.const 3))) (f64x2.extract_lane 0 (local.get $inv)))
        (local.set $j (i32.const 0))
        (block $colsDone
          (loop $colsL
            (br_if $colsDone (i32.ge_u (local.get $j) (local.get $d)))
            (local.set $v (v128.load (i32.add (local.get $x) (i32.add (local.get $o) (i32.shl (local.get $j) (i32.const 2))))))
            (local.set $gv (v128.load (i32.add (local.get $g) (i32.shl (local.get $j) (i32.const 2)))))
            (v128.store (i32.add (local.get $n) (i32.add (local.get $o) (i32.shl (local.get $j) (i32.const 2))))
              (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (f32x4.demote_f64x2_zero (f64x2.mul (f64x2.mul (f64x2.promote_low_f32x4 (local.get $v)) (local.get $inv)) (f64x2.promote_low_f32x4 (local.get $gv)))) (f32x4.demote_f64x2_zero (f64x2.mul (f64x2.mul (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v))) (local.get $inv)) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $gv) (local.get $gv)))))))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $colsL)))
        (local.set $row (i32.add (local.get $row) (i32.const 1)))
        (br $rowsL))))

  ;; $dg: d float64 accumulators (the caller zeroes them).
  (func (export "rmsnorm_grad") (param $x i32) (param $g i32) (param $dn i32) (param $dx i32) (param $dg i32) (param $rows i32) (param $d i32) (param $eps f64)
    (local $row i32) (local $j i32) (local $o i32) (local $inv v128) (local $dot v128) (local $m v128)
    (local $xl v128) (local $xh v128) (local $gl v128) (local $gh v128) (local $nl v128) (local $nh v128) (local $p i32) (local $q i32)
    (block $rowsDone
      (loop $rowsL
        (br_if $rowsDone (i32.ge_u (local.get $row) (local.get $rows)))
        (local.set $o (i32.shl (i32.mul (local.get $row) (local.get $d)) (i32.const 2)))
        (local.set $inv (f64x2.splat (call $rowInv (i32.add (local.get $x) (local.get $o)) (local.get $d) (local.get $eps))))
        ;; Pass 1: x̄ = x·r; dg += dn ⊙ x̄; dot += dn ⊙ g ⊙ x̄.
        (local.set $dot (v128.const f64x2 0 0))
        (local.set $j (i32.const 0))
        (block $c1Done
          (loop $c1
            (br_if $c1Done (i32.ge_u (local.get $j) (local.get $d)))
            (local.set $p (i32.add (local.get $o) (i32.shl (local.get $j) (i32.const 2))))
            (local.set $xl (v128.load (i32.add (local.get $x) (local.get $p))))
            (local.set $xh (f64x2.mul (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $xl) (local.get $xl))) (local.get $inv)))
            (local.set $xl (f64x2.mul (f64x2.promote_low_f32x4 (local.get $xl)) (local.get $inv)))
            (local.set $nl (v128.load (i32.add (local.get $dn) (local.get $p))))
            (local.set $nh (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $nl) (local.get $nl))))
            (local.set $nl (f64x2.promote_low_f32x4 (local.get $nl)))
            (local.set $gl (v128.load (i32.add (local.get $g) (i32.shl (local.get $j) (i32.const 2)))))
            (local.set $gh (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $gl) (local.get $gl))))
            (local.set $gl (f64x2.promote_low_f32x4 (local.get $gl)))
            (local.set $q (i32.add (local.get $dg) (i32.shl (local.get $j) (i32.const 3))))
            (v128.store (local.get $q) (f64x2.add (v128.load (local.get $q)) (f64x2.mul (local.get $nl) (local.get $xl))))
            (v128.store offset=16 (local.get $q) (f64x2.add (v128.load offset=16 (local.get $q)) (f64x2.mul (local.get $nh) (local.get $xh))))
            (local.set $dot (f64x2.add (local.get $dot)
              (f64x2.add (f64x2.mul (f64x2.mul (local.get $nl) (local.get $gl)) (local.get $xl))
                         (f64x2.mul (f64x2.mul (local.get $nh) (local.get $gh)) (local.get $xh)))))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $c1)))
        (local.set $m (f64x2.splat (f64.div
          (f64.add (f64x2.extract_lane 0 (local.get $dot)) (f64x2.extract_lane 1 (local.get $dot)))
          (f64.convert_i32_u (local.get $d)))))
        ;; Pass 2: dx = r · (dn ⊙ g − x̄ · m).
        (local.set $j (i32.const 0))
        (block $c2Done
          (loop $c2
            (br_if $c2Done (i32.ge_u (local.get $j) (local.get $d)))
            (local.set $p (i32.add (local.get $o) (i32.shl (local.get $j) (i32.const 2))))
            (local.set $xl (v128.load (i32.add (local.get $x) (local.get $p))))
            (local.set $xh (f64x2.mul (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $xl) (local.get $xl))) (local.get $inv)))
            (local.set $xl (f64x2.mul (f64x2.promote_low_f32x4 (local.get $xl)) (local.get $inv)))
            (local.set $nl (v128.load (i32.add (local.get $dn) (local.get $p))))
            (local.set $nh (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $nl) (local.get $nl))))
            (local.set $nl (f64x2.promote_low_f32x4 (local.get $nl)))
            (local.set $gl (v128.load (i32.add (local.get $g) (i32.shl (local.get $j) (i32.const 2)))))
            (local.set $gh (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $gl) (local.get $gl))))
            (local.set $gl (f64x2.promote_low_f32x4 (local.get $gl)))
            (v128.store (i32.add (local.get $dx) (local.get $p))
              (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (f32x4.demote_f64x2_zero (f64x2.mul (local.get $inv) (f64x2.sub (f64x2.mul (local.get $nl) (local.get $gl)) (f64x2.mul (local.get $xl) (local.get $m))))) (f32x4.demote_f64x2_zero (f64x2.mul (local.get $inv) (f64x2.sub (f64x2.mul (local.get $nh) (local.get $gh)) (f64x2.mul (local.get $xh) (local.get $m)))))))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $c2)))
        (local.set $row (i32.add (local.get $row) (i32.const 1)))
        (br $rowsL))))

  (func (export "actquant") (param $x i32) (param $out i32) (param $rows i32) (param $d i32)
    (local $row i32) (local $p i32) (local $end i32) (local $q i32) (local $acc v128) (local $am f32) (local $sx v128) (local $v v128)
    (block $rowsDone
      (loop $rowsL
        (br_if $rowsDone (i32.ge_u (local.get $row) (local.get $rows)))
        (local.set $p (i32.add (local.get $x) (i32.shl (i32.mul (local.get $row) (local.get $d)) (i32.const 2))))
        (local.set $end (i32.add (local.get $p) (i32.shl (local.get $d) (i32.const 2))))
        ;; absmax; pmax keeps the accumulator when the new lane is NaN, so NaN is left out.
        (local.set $acc (v128.const f32x4 0 0 0 0))
        (local.set $q (local.get $p))
        (block $mDone
          (loop $mL
            (br_if $mDone (i32.ge_u (local.get $q) (local.get $end)))
            (local.set $acc (f32x4.pmax (local.get $acc) (f32x4.abs (v128.load (local.get $q)))))
            (local.set $q (i32.add (local.get $q) (i32.const 16)))
            (br $mL)))
        (local.set $am (f32.max
          (f32.max (f32x4.extract_lane 0 (local.get $acc)) (f32x4.extract_lane 1 (local.get $acc)))
          (f32.max (f32x4.extract_lane 2 (local.get $acc)) (f32x4.extract_lane 3 (local.get $acc)))))
        ;; ACTIVATION_EPS as float32 (Math.fround(1e-5)).
        (local.set $sx (f32x4.splat (f32.div (f32.const 127) (f32.max (local.get $am) (f32.const 0x1.4f8b58p-17)))))
        (local.set $q (local.get $p))
        (local.set $p (i32.add (local.get $out) (i32.sub (local.get $p) (local.get $x))))
        (block $qDone
          (loop $qL
            (br_if $qDone (i32.ge_u (local.get $q) (local.get $end)))
            ;; clamp then round (the bounds are integers, so the order does not change a code); NaN stays NaN
            (local.set $v (f32x4.nearest (f32x4.pmin (f32x4.pmax (f32x4.mul (v128.load (local.get $q)) (local.get $sx))
              (v128.const f32x4 -128 -128 -128 -128)) (v128.const f32x4 127 127 127 127))))
            ;; code / sx, +0 for a zero code (adding +0 turns −0 into +0), 0 where the code is NaN
            (v128.store (local.get $p)
              (v128.and (f32x4.add (f32x4.div (local.get $v) (local.get $sx)) (v128.const f32x4 0 0 0 0)) (f32x4.eq (local.get $v) (local.get $v))))
            (local.set $q (i32.add (local.get $q) (i32.const 16)))
            (local.set $p (i32.add (local.get $p) (i32.const 16)))
            (br $qL)))
        (local.set $row (i32.add (local.get $row) (i32.const 1)))
        (br $rowsL))))

  (func (export "transpose") (param $src i32) (param $dst i32) (param $rows i32) (param $cols i32)
    (local $i i32) (local $j i32) (local $s i32) (local $t i32) (local $rs i32) (local $cs i32)
    (local $r0 v128) (local $r1 v128) (local $r2 v128) (local $r3 v128) (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
    (local.set $rs (i32.shl (local.get $rows) (i32.const 2)))
    (local.set $cs (i32.shl (local.get $cols) (i32.const 2)))
    (block $iDone
      (loop $iL
        (br_if $iDone (i32.ge_u (local.get $i) (local.get $rows)))
        (local.set $j (i32.const 0))
        (block $jDone
          (loop $jL
            (br_if $jDone (i32.ge_u (local.get $j) (local.get $cols)))
            (local.set $s (i32.add (local.get $src) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $cols)) (local.get $j)) (i32.const 2))))
            (local.set $r0 (v128.load (local.get $s)))
            (local.set $r1 (v128.load (i32.add (local.get $s) (local.get $cs))))
            (local.set $r2 (v128.load (i32.add (local.get $s) (i32.shl (local.get $cs) (i32.const 1)))))
            (local.set $r3 (v128.load (i32.add (local.get $s) (i32.mul (local.get $cs) (i32.const 3)))))
            (local.set $t0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $r0) (local.get $r1)))
            (local.set $t1 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $r0) (local.get $r1)))
            (local.set $t2 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $r2) (local.get $r3)))
            (local.set $t3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $r2) (local.get $r3)))
            (local.set $t (i32.add (local.get $dst) (i32.shl (i32.add (i32.mul (local.get $j) (local.get $rows)) (local.get $i)) (i32.const 2))))
            (v128.store (local.get $t) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t0) (local.get $t2)))
            (v128.store (i32.add (local.get $t) (local.get $rs)) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t0) (local.get $t2)))
            (v128.store (i32.add (local.get $t) (i32.shl (local.get $rs) (i32.const 1))) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t1) (local.get $t3)))
            (v128.store (i32.add (local.get $t) (i32.mul (local.get $rs) (i32.const 3))) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t1) (local.get $t3)))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $jL)))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $iL))))

  ;; m ← β1 m + (1−β1) g;  v ← β2 v + (1−β2) g²;  w ← w − lr·(m/bc1 / (√(v/bc2) + ε) + decay·w)
  (func (export "adam") (param $w i32) (param $g i32) (param $m i32) (param $v i32) (param $n i32)
        (param $b1 f32) (param $b2 f32) (param $bc1 f32) (param $bc2 f32) (param $eps f32) (param $lr f32) (param $decay f32)
    (local $end i32) (local $gv v128) (local $mv v128) (local $vv v128) (local $wv v128)
    (local $B1 v128) (local $A1 v128) (local $B2 v128) (local $A2 v128) (local $C1 v128) (local $C2 v128) (local $E v128) (local $L v128) (local $D v128)
    (local.set $B1 (f32x4.splat (local.get $b1)))
    (local.set $A1 (f32x4.splat (f32.sub (f32.const 1) (local.get $b1))))
    (local.set $B2 (f32x4.splat (local.get $b2)))
    (local.set $A2 (f32x4.splat (f32.sub (f32.const 1) (local.get $b2))))
    (local.set $C1 (f32x4.splat (local.get $bc1)))
    (local.set $C2 (f32x4.splat (local.get $bc2)))
    (local.set $E (f32x4.splat (local.get $eps)))
    (local.set $L (f32x4.splat (local.get $lr)))
    (local.set $D (f32x4.splat (local.get $decay)))
    (local.set $end (i32.add (local.get $w) (i32.shl (local.get $n) (i32.const 2))))
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $w) (local.get $end)))
        (local.set $gv (v128.load (local.get $g)))
        (local.set $mv (f32x4.add (f32x4.mul (local.get $B1) (v128.load (local.get $m))) (f32x4.mul (local.get $A1) (local.get $gv))))
        (local.set $vv (f32x4.add (f32x4.mul (local.get $B2) (v128.load (local.get $v))) (f32x4.mul (local.get $A2) (f32x4.mul (local.get $gv) (local.get $gv)))))
        (v128.store (local.get $m) (local.get $mv))
        (v128.store (local.get $v) (local.get $vv))
        (local.set $wv (v128.load (local.get $w)))
        (v128.store (local.get $w) (f32x4.sub (local.get $wv) (f32x4.mul (local.get $L)
          (f32x4.add
            (f32x4.div (f32x4.div (local.get $mv) (local.get $C1)) (f32x4.add (f32x4.sqrt (f32x4.div (local.get $vv) (local.get $C2))) (local.get $E)))
            (f32x4.mul (local.get $D) (local.get $wv))))))
        (local.set $w (i32.add (local.get $w) (i32.const 16)))
        (local.set $g (i32.add (local.get $g) (i32.const 16)))
        (local.set $m (i32.add (local.get $m) (i32.const 16)))
        (local.set $v (i32.add (local.get $v) (i32.const 16)))
        (br $l))))

  (func (export "ternary") (param $w i32) (param $out i32) (param $rows i32) (param $cols i32) (param $ostride i32) (param $t f32) (param $s f32)
    (local $r i32) (local $j i32) (local $v v128) (local $T v128) (local $NT v128) (local $S v128) (local $NS v128) (local $o i32)
    (local.set $T (f32x4.splat (local.get $t)))
    (local.set $NT (f32x4.neg (local.get $T)))
    (local.set $S (f32x4.splat (local.get $s)))
    (local.set $NS (f32x4.neg (local.get $S)))
    (block $rDone
      (loop $rL
        (br_if $rDone (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $o (i32.add (local.get $out) (i32.shl (i32.mul (local.get $r) (local.get $ostride)) (i32.const 2))))
        (local.set $j (i32.const 0))
        (block $jDone
          (loop $jL
            (br_if $jDone (i32.ge_u (local.get $j) (local.get $cols)))
            (local.set $v (v128.load (local.get $w)))
            ;; NaN fails both compares; ±Inf is masked out by the finite test (w − w = 0).
            (v128.store (i32.add (local.get $o) (i32.shl (local.get $j) (i32.const 2)))
              (v128.and
                (f32x4.eq (f32x4.sub (local.get $v) (local.get $v)) (v128.const f32x4 0 0 0 0))
                (v128.or
                  (v128.and (f32x4.gt (local.get $v) (local.get $T)) (local.get $S))
                  (v128.and (f32x4.lt (local.get $v) (local.get $NT)) (local.get $NS)))))
            (local.set $w (i32.add (local.get $w) (i32.const 16)))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $jL)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rL)))))
