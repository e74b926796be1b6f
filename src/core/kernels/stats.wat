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
;; would serialise on its own load-increment-store), then 4 KiB staging the
;; histogram's bin bytes (see "ternary"), then the chunk at the address the
;; caller passes.
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
  ;;
  ;; Four elements at a time: codes, products, deviations and bin indices in
  ;; f64x2 lanes (the same float64 operations on the same values as the scalar
  ;; loop), then the two sums take the four products in element order, so
  ;; they round exactly as one element after another would. A group of four
  ;; with a NaN/±Inf goes through the scalar loop ($ternaryRange) instead.
  ;;
  ;; The histogram is counted apart from the sums: each bin index is written as
  ;; one byte into a 4 KiB staging area (just after the sub-histograms;
  ;; bins ≤ 256), and a tight loop counts those bytes into the four
  ;; sub-histograms per 4096 elements. More than 256 bins: the scalar loop,
  ;; counting in place.
  (func (export "ternary") (param $p i32) (param $n i32) (param $t f64) (param $mean f64) (param $lo f64) (param $k f64) (param $bins i32)
    (local $end i32) (local $stop i32) (local $stage i32) (local $sp i32)
    (local $a f64) (local $dev f64) (local $v v128) (local $w0 v128) (local $w1 v128)
    (local $up0 v128) (local $up1 v128) (local $dn0 v128) (local $dn1 v128) (local $q v128) (local $j v128)
    (local $plusV v128) (local $minusV v128) (local $t2 v128) (local $nt2 v128) (local $mean2 v128) (local $lo2 v128) (local $k2 v128)
    (local $one v128) (local $expMask v128) (local $last4 v128) (local $zero v128)
    (local.set $end (i32.add (local.get $p) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $stage (i32.add (i32.const 64) (i32.shl (local.get $bins) (i32.const 4))))
    (if (i32.gt_u (local.get $bins) (i32.const 256))
      (then
        (drop (call $ternaryRange (local.get $p) (local.get $end) (local.get $t) (local.get $mean) (local.get $lo) (local.get $k) (local.get $bins) (i32.const 1) (i32.const 0)))
        (return)))
    (local.set $t2 (f64x2.splat (local.get $t)))
    (local.set $nt2 (f64x2.splat (f64.neg (local.get $t))))
    (local.set $mean2 (f64x2.splat (local.get $mean)))
    (local.set $lo2 (f64x2.splat (local.get $lo)))
    (local.set $k2 (f64x2.splat (local.get $k)))
    (local.set $one (f64x2.splat (f64.const 1)))
    (local.set $expMask (i32x4.splat (i32.const 0x7f800000)))
    (local.set $last4 (i32x4.splat (i32.sub (local.get $bins) (i32.const 1))))
    (local.set $a (f64.load offset=16 (i32.const 0)))
    (local.set $dev (f64.load offset=24 (i32.const 0)))
    (block $done
      (loop $block
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        ;; up to 4096 elements per block: their bin bytes fill the staging area
        (local.set $stop (i32.add (local.get $p) (i32.const 16384)))
        (if (i32.gt_u (local.get $stop) (local.get $end)) (then (local.set $stop (local.get $end))))
        (local.set $sp (local.get $stage))
        (block $foursDone
          (loop $four
            (br_if $foursDone (i32.gt_u (i32.add (local.get $p) (i32.const 16)) (local.get $stop)))
            (local.set $v (v128.load (local.get $p)))
            (if (i32x4.all_true (i32x4.ne (v128.and (local.get $v) (local.get $expMask)) (local.get $expMask)))
              (then
                (local.set $w0 (f64x2.promote_low_f32x4 (local.get $v)))
                (local.set $w1 (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $v) (local.get $v))))
                ;; code +1 where w > t, −1 where w < −t (and not +1), else 0; counts as i64 lanes
                (local.set $up0 (f64x2.gt (local.get $w0) (local.get $t2)))
                (local.set $up1 (f64x2.gt (local.get $w1) (local.get $t2)))
                (local.set $dn0 (v128.andnot (f64x2.lt (local.get $w0) (local.get $nt2)) (local.get $up0)))
                (local.set $dn1 (v128.andnot (f64x2.lt (local.get $w1) (local.get $nt2)) (local.get $up1)))
                (local.set $plusV (i64x2.sub (i64x2.sub (local.get $plusV) (local.get $up0)) (local.get $up1)))
                (local.set $minusV (i64x2.sub (i64x2.sub (local.get $minusV) (local.get $dn0)) (local.get $dn1)))
                ;; a += w · code, element by element (code 1.0 − 0.0 = 1, 0 − 1 = −1, 0 − 0 = +0, as the scalar loop's convert)
                (local.set $q (f64x2.mul (local.get $w0)
                  (f64x2.sub (v128.and (local.get $up0) (local.get $one)) (v128.and (local.get $dn0) (local.get $one)))))
                (local.set $a (f64.add (local.get $a) (f64x2.extract_lane 0 (local.get $q))))
                (local.set $a (f64.add (local.get $a) (f64x2.extract_lane 1 (local.get $q))))
                (local.set $q (f64x2.mul (local.get $w1)
                  (f64x2.sub (v128.and (local.get $up1) (local.get $one)) (v128.and (local.get $dn1) (local.get $one)))))
                (local.set $a (f64.add (local.get $a) (f64x2.extract_lane 0 (local.get $q))))
                (local.set $a (f64.add (local.get $a) (f64x2.extract_lane 1 (local.get $q))))
                ;; dev += (w − mean)²
                (local.set $q (f64x2.sub (local.get $w0) (local.get $mean2)))
                (local.set $q (f64x2.mul (local.get $q) (local.get $q)))
                (local.set $dev (f64.add (local.get $dev) (f64x2.extract_lane 0 (local.get $q))))
                (local.set $dev (f64.add (local.get $dev) (f64x2.extract_lane 1 (local.get $q))))
                (local.set $q (f64x2.sub (local.get $w1) (local.get $mean2)))
                (local.set $q (f64x2.mul (local.get $q) (local.get $q)))
                (local.set $dev (f64.add (local.get $dev) (f64x2.extract_lane 0 (local.get $q))))
                (local.set $dev (f64.add (local.get $dev) (f64x2.extract_lane 1 (local.get $q))))
                ;; bin = clamp(trunc((w − lo) · k), 0, last), four int32 lanes → four bytes
                (local.set $j (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
                  (i32x4.trunc_sat_f64x2_s_zero (f64x2.mul (f64x2.sub (local.get $w0) (local.get $lo2)) (local.get $k2)))
                  (i32x4.trunc_sat_f64x2_s_zero (f64x2.mul (f64x2.sub (local.get $w1) (local.get $lo2)) (local.get $k2)))))
                (local.set $j (i32x4.max_s (i32x4.min_s (local.get $j) (local.get $last4)) (local.get $zero)))
                (local.set $j (i16x8.narrow_i32x4_u (local.get $j) (local.get $j)))
                (v128.store32_lane 0 (local.get $sp) (i8x16.narrow_i16x8_u (local.get $j) (local.get $j)))
                (local.set $sp (i32.add (local.get $sp) (i32.const 4))))
              (else
                ;; a NaN or ±Inf among the four: the scalar loop, on the sums as they stand
                (f64.store offset=16 (i32.const 0) (local.get $a))
                (f64.store offset=24 (i32.const 0) (local.get $dev))
                (local.set $sp (call $ternaryRange (local.get $p) (i32.add (local.get $p) (i32.const 16))
                  (local.get $t) (local.get $mean) (local.get $lo) (local.get $k) (local.get $bins) (i32.const 0) (local.get $sp)))
                (local.set $a (f64.load offset=16 (i32.const 0)))
                (local.set $dev (f64.load offset=24 (i32.const 0)))))
            (local.set $p (i32.add (local.get $p) (i32.const 16)))
            (br $four)))
        ;; the last one to three elements of the block
        (f64.store offset=16 (i32.const 0) (local.get $a))
        (f64.store offset=24 (i32.const 0) (local.get $dev))
        (local.set $sp (call $ternaryRange (local.get $p) (local.get $stop)
          (local.get $t) (local.get $mean) (local.get $lo) (local.get $k) (local.get $bins) (i32.const 0) (local.get $sp)))
        (local.set $a (f64.load offset=16 (i32.const 0)))
        (local.set $dev (f64.load offset=24 (i32.const 0)))
        (local.set $p (local.get $stop))
        (call $countBytes (local.get $stage) (local.get $sp) (local.get $bins))
        (br $block)))
    (f64.store offset=0 (i32.const 0) (f64.add (f64.load offset=0 (i32.const 0))
      (f64.convert_i64_u (i64.add (i64x2.extract_lane 0 (local.get $plusV)) (i64x2.extract_lane 1 (local.get $plusV))))))
    (f64.store offset=8 (i32.const 0) (f64.add (f64.load offset=8 (i32.const 0))
      (f64.convert_i64_u (i64.add (i64x2.extract_lane 0 (local.get $minusV)) (i64x2.extract_lane 1 (local.get $minusV))))))
    (f64.store offset=16 (i32.const 0) (local.get $a))
    (f64.store offset=24 (i32.const 0) (local.get $dev)))

  ;; The scalar loop over [p, end), on the accumulators in memory (read at
  ;; entry, written at exit). wide = 1: bin counts go straight into the four
  ;; sub-histograms, lane after lane; wide = 0: bin bytes are staged at sp
  ;; (returned advanced) for $countBytes.
  (func $ternaryRange (param $p i32) (param $end i32) (param $t f64) (param $mean f64) (param $lo f64) (param $k f64) (param $bins i32)
    (param $wide i32) (param $sp i32) (result i32)
    (local $w f64) (local $d f64) (local $plus i32) (local $minus i32) (local $a f64) (local $dev f64)
    (local $j i32) (local $last i32) (local $lane i32) (local $h i32) (local $up i32) (local $down i32) (local $nt f64)
    (local.set $plus (i32.trunc_f64_u (f64.load offset=0 (i32.const 0))))
    (local.set $minus (i32.trunc_f64_u (f64.load offset=8 (i32.const 0))))
    (local.set $a (f64.load offset=16 (i32.const 0)))
    (local.set $dev (f64.load offset=24 (i32.const 0)))
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
        ;; (saturating truncation through a vector lane: V8 checks the scalar one with a
        ;; convert-back and a branch, several times slower)
        (local.set $j (i32x4.extract_lane 0 (i32x4.trunc_sat_f64x2_s_zero
          (f64x2.splat (f64.mul (f64.sub (local.get $w) (local.get $lo)) (local.get $k))))))
        (local.set $j (select (local.get $last) (local.get $j) (i32.gt_s (local.get $j) (local.get $last))))
        (local.set $j (select (i32.const 0) (local.get $j) (i32.lt_s (local.get $j) (i32.const 0))))
        (if (local.get $wide)
          (then
            ;; sub-histogram lane·bins + j, 4 bytes each, after the result area
            (local.set $h (i32.add (i32.const 64)
              (i32.shl (i32.add (i32.mul (local.get $lane) (local.get $bins)) (local.get $j)) (i32.const 2))))
            (i32.store (local.get $h) (i32.add (i32.load (local.get $h)) (i32.const 1)))
            (local.set $lane (i32.and (i32.add (local.get $lane) (i32.const 1)) (i32.const 3))))
          (else
            (i32.store8 (local.get $sp) (local.get $j))
            (local.set $sp (i32.add (local.get $sp) (i32.const 1)))))
        (br $l)))
    (f64.store offset=0 (i32.const 0) (f64.convert_i32_u (local.get $plus)))
    (f64.store offset=8 (i32.const 0) (f64.convert_i32_u (local.get $minus)))
    (f64.store offset=16 (i32.const 0) (local.get $a))
    (f64.store offset=24 (i32.const 0) (local.get $dev))
    (local.get $sp))

  ;; Adds the bin bytes in [from, to) into the four sub-histograms at 64 (each
  ;; `bins` int32 counts), byte i into sub-histogram i mod 4.
  (func $countBytes (param $from i32) (param $to i32) (param $bins i32)
    (local $v i32) (local $h1 i32) (local $h2 i32) (local $h3 i32) (local $at i32) (local $end4 i32)
    (local.set $h1 (i32.add (i32.const 64) (i32.shl (local.get $bins) (i32.const 2))))
    (local.set $h2 (i32.add (local.get $h1) (i32.shl (local.get $bins) (i32.const 2))))
    (local.set $h3 (i32.add (local.get $h2) (i32.shl (local.get $bins) (i32.const 2))))
    (local.set $end4 (i32.sub (local.get $to) (i32.and (i32.sub (local.get $to) (local.get $from)) (i32.const 3))))
    (block $fours
      (loop $four
        (br_if $fours (i32.ge_u (local.get $from) (local.get $end4)))
        (local.set $v (i32.load (local.get $from)))
        (local.set $at (i32.add (i32.const 64) (i32.shl (i32.and (local.get $v) (i32.const 255)) (i32.const 2))))
        (i32.store (local.get $at) (i32.add (i32.load (local.get $at)) (i32.const 1)))
        (local.set $at (i32.add (local.get $h1) (i32.shl (i32.and (i32.shr_u (local.get $v) (i32.const 8)) (i32.const 255)) (i32.const 2))))
        (i32.store (local.get $at) (i32.add (i32.load (local.get $at)) (i32.const 1)))
        (local.set $at (i32.add (local.get $h2) (i32.shl (i32.and (i32.shr_u (local.get $v) (i32.const 16)) (i32.const 255)) (i32.const 2))))
        (i32.store (local.get $at) (i32.add (i32.load (local.get $at)) (i32.const 1)))
        (local.set $at (i32.add (local.get $h3) (i32.shl (i32.shr_u (local.get $v) (i32.const 24)) (i32.const 2))))
        (i32.store (local.get $at) (i32.add (i32.load (local.get $at)) (i32.const 1)))
        (local.set $from (i32.add (local.get $from) (i32.const 4)))
        (br $four)))
    (block $ones
      (loop $one
        (br_if $ones (i32.ge_u (local.get $from) (local.get $to)))
        (local.set $at (i32.add (i32.const 64) (i32.shl (i32.load8_u (local.get $from)) (i32.const 2))))
        (i32.store (local.get $at) (i32.add (i32.load (local.get $at)) (i32.const 1)))
        (local.set $from (i32.add (local.get $from) (i32.const 1)))
        (br $one))))
)
