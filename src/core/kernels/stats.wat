;; The two per-element loops of the float32 tensor statistics
;; (src/core/analysis/tensorStats.ts, "general" way), in WebAssembly for speed
;; and written to give the SAME float64 results as the TypeScript loops they
;; replace: the same operations on the same values in the same order (each
;; float32 promoted exactly, one float64 accumulator per sum, element after
;; element); only the control flow differs (arithmetic instead of branches,
;; which the sign-random data made unpredictable).
;;
;; Memory: [0, 64) accumulators (f64 slots: read at entry, written back at
;; exit, so a chunk split into several calls sums exactly as one loop would), [64, 64 + 4·4·bins) four interleaved
;; int32 sub-histograms (neighbouring values often share a bin; one histogram
;; would serialise on its own load-increment-store), then the chunk at the
;; address the caller passes.
(module
  (memory (export "memory") 1)

  ;; accumulators [finite count, non-finite count, ΣW, Σ|W|, ΣW², min, max] over n float32 at p
  (func (export "moments") (param $p i32) (param $n i32)
    (local $end i32) (local $w f64) (local $cnt f64) (local $bad f64) (local $s f64) (local $sa f64) (local $s2 f64)
    (local $mn f64) (local $mx f64)
    (local.set $cnt (f64.load offset=0 (i32.const 0)))
    (local.set $bad (f64.load offset=8 (i32.const 0)))
    (local.set $s (f64.load offset=16 (i32.const 0)))
    (local.set $sa (f64.load offset=24 (i32.const 0)))
    (local.set $s2 (f64.load offset=32 (i32.const 0)))
    (local.set $mn (f64.load offset=40 (i32.const 0)))
    (local.set $mx (f64.load offset=48 (i32.const 0)))
    (local.set $end (i32.add (local.get $p) (i32.shl (local.get $n) (i32.const 2))))
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $w (f64.promote_f32 (f32.load (local.get $p))))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        ;; w − w is 0 for finite w, NaN for NaN and ±Inf
        (if (f64.ne (f64.sub (local.get $w) (local.get $w)) (f64.const 0))
          (then
            (local.set $bad (f64.add (local.get $bad) (f64.const 1)))
            (br $l)))
        (local.set $cnt (f64.add (local.get $cnt) (f64.const 1)))
        (local.set $s (f64.add (local.get $s) (local.get $w)))
        (local.set $sa (f64.add (local.get $sa) (f64.abs (local.get $w))))
        (local.set $s2 (f64.add (local.get $s2) (f64.mul (local.get $w) (local.get $w))))
        ;; `if (w < mn) mn = w`: a select, not f64.min, which orders −0 below +0
        (local.set $mn (select (local.get $w) (local.get $mn) (f64.lt (local.get $w) (local.get $mn))))
        (local.set $mx (select (local.get $w) (local.get $mx) (f64.gt (local.get $w) (local.get $mx))))
        (br $l)))
    (f64.store offset=0 (i32.const 0) (local.get $cnt))
    (f64.store offset=8 (i32.const 0) (local.get $bad))
    (f64.store offset=16 (i32.const 0) (local.get $s))
    (f64.store offset=24 (i32.const 0) (local.get $sa))
    (f64.store offset=32 (i32.const 0) (local.get $s2))
    (f64.store offset=40 (i32.const 0) (local.get $mn))
    (f64.store offset=48 (i32.const 0) (local.get $mx)))

  ;; Ternary codes by |W| > t, and the histogram of W over `bins` bins from lo
  ;; (k = bins / (hi − lo)): accumulators [#(+1), #(−1), Σ|W| over nonzero
  ;; codes, Σ(W − mean)²]; bin counts are ADDED to the four sub-histograms (the caller
  ;; clears them and folds them into its own).
  (func (export "ternary") (param $p i32) (param $n i32) (param $t f64) (param $mean f64) (param $lo f64) (param $k f64) (param $bins i32)
    (local $end i32) (local $w f64) (local $d f64) (local $plus i32) (local $minus i32) (local $a f64) (local $dev f64)
    (local $j i32) (local $last i32) (local $lane i32) (local $h i32) (local $up i32) (local $down i32) (local $nt f64)
    (local.set $plus (i32.trunc_f64_u (f64.load offset=0 (i32.const 0))))
    (local.set $minus (i32.trunc_f64_u (f64.load offset=8 (i32.const 0))))
    (local.set $a (f64.load offset=16 (i32.const 0)))
    (local.set $dev (f64.load offset=24 (i32.const 0)))
    (local.set $end (i32.add (local.get $p) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $last (i32.sub (local.get $bins) (i32.const 1)))
    (local.set $nt (f64.neg (local.get $t)))
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $w (f64.promote_f32 (f32.load (local.get $p))))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (if (f64.ne (f64.sub (local.get $w) (local.get $w)) (f64.const 0)) (then (br $l)))
        (local.set $up (f64.gt (local.get $w) (local.get $t)))
        ;; `else if (w < −t)`: never both (t ≥ 0), but exactly the branch's meaning anyway
        (local.set $down (i32.and (f64.lt (local.get $w) (local.get $nt)) (i32.eqz (local.get $up))))
        (local.set $plus (i32.add (local.get $plus) (local.get $up)))
        (local.set $minus (i32.add (local.get $minus) (local.get $down)))
        ;; a += w (code +1), a −= w (code −1), unchanged (code 0) as a += w · code:
        ;; exact (w·±1 = ±w, and ±0 added to a, which is never −0, leaves it), and
        ;; arithmetic, because V8 turns a float select into a branch
        (local.set $a (f64.add (local.get $a)
          (f64.mul (local.get $w) (f64.convert_i32_s (i32.sub (local.get $up) (local.get $down))))))
        (local.set $d (f64.sub (local.get $w) (local.get $mean)))
        (local.set $dev (f64.add (local.get $dev) (f64.mul (local.get $d) (local.get $d))))
        ;; w ≥ lo, so truncation is floor; clamp into [0, last] as the TypeScript loop does
        (local.set $j (i32.trunc_sat_f64_s (f64.mul (f64.sub (local.get $w) (local.get $lo)) (local.get $k))))
        (local.set $j (select (local.get $last) (local.get $j) (i32.gt_s (local.get $j) (local.get $last))))
        (local.set $j (select (i32.const 0) (local.get $j) (i32.lt_s (local.get $j) (i32.const 0))))
        ;; sub-histogram lane·bins + j, 4 bytes each, after the result area
        (local.set $h (i32.add (i32.const 64)
          (i32.shl (i32.add (i32.mul (local.get $lane) (local.get $bins)) (local.get $j)) (i32.const 2))))
        (i32.store (local.get $h) (i32.add (i32.load (local.get $h)) (i32.const 1)))
        (local.set $lane (i32.and (i32.add (local.get $lane) (i32.const 1)) (i32.const 3)))
        (br $l)))
    (f64.store offset=0 (i32.const 0) (f64.convert_i32_u (local.get $plus)))
    (f64.store offset=8 (i32.const 0) (f64.convert_i32_u (local.get $minus)))
    (f64.store offset=16 (i32.const 0) (local.get $a))
    (f64.store offset=24 (i32.const 0) (local.get $dev)))
)
