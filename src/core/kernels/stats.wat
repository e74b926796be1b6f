;; The two per-element loops of the float32 tensor statistics
;; (src/core/analysis/tensorStats.ts, "general" way), in WebAssembly for speed
;; and written to give the SAME float64 results as the TypeScript loops they
;; replace: the same operations on the same values in the same order (each
;; float32 promoted exactly). Every float64 sum is kept in four lanes —
;; element i of a call's data goes to lane i mod 4 — which both sides then
;; fold the same way (statsKernel.ts sumLanes): four add chains in flight
;; instead of one, which is what bounded the speed of a single chain. Min
;; and max are kept per lane the same way (first value wins ties, as `<`).
;; Non-finite values add +0.0 to a lane, which leaves it as it is: a lane
;; starts at +0 and round-to-nearest never makes it −0 again.
;;
;; Memory: [0, 256) accumulators (read at entry, written back at exit, so a
;; chunk split into several calls sums exactly as one loop would), then
;; [256, 256 + 4·4·bins) four interleaved int32 sub-histograms (neighbouring
;; values often share a bin; one histogram would serialise on its own
;; load-increment-store), then 4 KiB staging the histogram's bin bytes (see
;; "ternary"), then the chunk at the address the caller passes. The caller
;; pads the chunk with NaN to a multiple of four elements (NaN counts
;; nowhere), so every loop takes whole groups of four.
(module
  (memory (export "memory") 1)

  ;; Over n (a multiple of 4) float32 at p: [0] finite count (f64), lanes of
  ;; ΣW at 16, Σ|W| at 48, ΣW² at 80 (4 × f64 each), min at 112 and max at
  ;; 128 (4 × f32, lane i mod 4 as the sums).
  (func (export "moments") (param $p i32) (param $n i32)
    (local $end i32) (local $v v128) (local $fin v128) (local $cnt v128) (local $w0 v128) (local $w1 v128)
    (local $s0 v128) (local $s1 v128) (local $a0 v128) (local $a1 v128) (local $q0 v128) (local $q1 v128)
    (local $mn v128) (local $mx v128) (local $expMask v128)
    (local.set $s0 (v128.load offset=16 (i32.const 0)))
    (local.set $s1 (v128.load offset=32 (i32.const 0)))
    (local.set $a0 (v128.load offset=48 (i32.const 0)))
    (local.set $a1 (v128.load offset=64 (i32.const 0)))
    (local.set $q0 (v128.load offset=80 (i32.const 0)))
    (local.set $q1 (v128.load offset=96 (i32.const 0)))
    (local.set $mn (v128.load offset=112 (i32.const 0)))
    (local.set $mx (v128.load offset=128 (i32.const 0)))
    (local.set $expMask (i32x4.splat (i32.const 0x7f800000)))
    (local.set $end (i32.add (local.get $p) (i32.shl (local.get $n) (i32.const 2))))
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $v (v128.load (local.get $p)))
        ;; finite lanes: exponent not all ones
        (local.set $fin (i32x4.ne (v128.and (local.get $v) (local.get $expMask)) (local.get $expMask)))
        (local.set $cnt (i32x4.sub (local.get $cnt) (local.get $fin)))
        ;; `if (w < mn) mn = w` per lane, finite w only (a float32 compare orders as the float64 one)
        (local.set $mn (v128.bitselect (local.get $v) (local.get $mn) (v128.and (f32x4.lt (local.get $v) (local.get $mn)) (local.get $fin))))
        (local.set $mx (v128.bitselect (local.get $v) (local.get $mx) (v128.and (f32x4.gt (local.get $v) (local.get $mx)) (local.get $fin))))
        ;; non-finite → +0.0, then lanes 0, 1 and 2, 3 as float64
        (local.set $v (v128.and (local.get $v) (local.get $fin)))
        (local.set $w0 (f64x2.promote_low_f32x4 (local.get $v)))
        (local.set $w1 (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $v) (local.get $v))))
        (local.set $s0 (f64x2.add (local.get $s0) (local.get $w0)))
        (local.set $s1 (f64x2.add (local.get $s1) (local.get $w1)))
        (local.set $a0 (f64x2.add (local.get $a0) (f64x2.abs (local.get $w0))))
        (local.set $a1 (f64x2.add (local.get $a1) (f64x2.abs (local.get $w1))))
        (local.set $q0 (f64x2.add (local.get $q0) (f64x2.mul (local.get $w0) (local.get $w0))))
        (local.set $q1 (f64x2.add (local.get $q1) (f64x2.mul (local.get $w1) (local.get $w1))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $l)))
    (f64.store offset=0 (i32.const 0) (f64.add (f64.load offset=0 (i32.const 0))
      (f64.convert_i32_u (i32.add
        (i32.add (i32x4.extract_lane 0 (local.get $cnt)) (i32x4.extract_lane 1 (local.get $cnt)))
        (i32.add (i32x4.extract_lane 2 (local.get $cnt)) (i32x4.extract_lane 3 (local.get $cnt)))))))
    (v128.store offset=16 (i32.const 0) (local.get $s0))
    (v128.store offset=32 (i32.const 0) (local.get $s1))
    (v128.store offset=48 (i32.const 0) (local.get $a0))
    (v128.store offset=64 (i32.const 0) (local.get $a1))
    (v128.store offset=80 (i32.const 0) (local.get $q0))
    (v128.store offset=96 (i32.const 0) (local.get $q1))
    (v128.store offset=112 (i32.const 0) (local.get $mn))
    (v128.store offset=128 (i32.const 0) (local.get $mx)))

  ;; Ternary codes by |W| > t, and the histogram of W over `bins` bins from lo
  ;; (k = bins / (hi − lo)), over n (a multiple of 4) float32 at p:
  ;; accumulators [0] #(+1), [8] #(−1) (f64), lanes of Σ|W| over nonzero codes
  ;; at 16 and of Σ(W − mean)² at 48 (4 × f64 each); bin counts are ADDED to
  ;; the four sub-histograms (the caller clears them and folds them into its own).
  ;;
  ;; Four elements at a time: codes, products, deviations and bin indices in
  ;; f64x2 lanes, the same float64 operations on the same values as the
  ;; TypeScript loop. A non-finite value is zeroed (code 0, adds nothing),
  ;; its deviation masked off, and its bin byte left out.
  ;;
  ;; The histogram is counted apart from the sums: each bin index is written as
  ;; one byte into a 4 KiB staging area (just after the sub-histograms;
  ;; bins ≤ 256), and a tight loop counts those bytes into the four
  ;; sub-histograms per 4096 elements. More than 256 bins: the scalar loop,
  ;; counting in place.
  (func (export "ternary") (param $p i32) (param $n i32) (param $t f64) (param $mean f64) (param $lo f64) (param $k f64) (param $bins i32)
    (local $end i32) (local $stop i32) (local $stage i32) (local $sp i32)
    (local $v v128) (local $fin v128) (local $m0 v128) (local $m1 v128) (local $w0 v128) (local $w1 v128)
    (local $up0 v128) (local $up1 v128) (local $dn0 v128) (local $dn1 v128) (local $q v128) (local $j v128)
    (local $a0 v128) (local $a1 v128) (local $d0 v128) (local $d1 v128)
    (local $plusV v128) (local $minusV v128) (local $t2 v128) (local $nt2 v128) (local $mean2 v128) (local $lo2 v128) (local $k2 v128)
    (local $one v128) (local $expMask v128) (local $last4 v128) (local $zero v128)
    (local.set $end (i32.add (local.get $p) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $stage (i32.add (i32.const 256) (i32.shl (local.get $bins) (i32.const 4))))
    (if (i32.gt_u (local.get $bins) (i32.const 256))
      (then
        (call $ternaryWide (local.get $p) (local.get $end) (local.get $t) (local.get $mean) (local.get $lo) (local.get $k) (local.get $bins))
        (return)))
    (local.set $t2 (f64x2.splat (local.get $t)))
    (local.set $nt2 (f64x2.splat (f64.neg (local.get $t))))
    (local.set $mean2 (f64x2.splat (local.get $mean)))
    (local.set $lo2 (f64x2.splat (local.get $lo)))
    (local.set $k2 (f64x2.splat (local.get $k)))
    (local.set $one (f64x2.splat (f64.const 1)))
    (local.set $expMask (i32x4.splat (i32.const 0x7f800000)))
    (local.set $last4 (i32x4.splat (i32.sub (local.get $bins) (i32.const 1))))
    (local.set $a0 (v128.load offset=16 (i32.const 0)))
    (local.set $a1 (v128.load offset=32 (i32.const 0)))
    (local.set $d0 (v128.load offset=48 (i32.const 0)))
    (local.set $d1 (v128.load offset=64 (i32.const 0)))
    (block $done
      (loop $block
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        ;; up to 4096 elements per block: their bin bytes fill the staging area
        (local.set $stop (i32.add (local.get $p) (i32.const 16384)))
        (if (i32.gt_u (local.get $stop) (local.get $end)) (then (local.set $stop (local.get $end))))
        (local.set $sp (local.get $stage))
        (block $foursDone
          (loop $four
            (br_if $foursDone (i32.ge_u (local.get $p) (local.get $stop)))
            (local.set $v (v128.load (local.get $p)))
            (local.set $fin (i32x4.ne (v128.and (local.get $v) (local.get $expMask)) (local.get $expMask)))
            ;; non-finite → +0.0 (code 0, as the skipped element adds nothing); its deviation is masked off below
            (local.set $v (v128.and (local.get $v) (local.get $fin)))
            (local.set $m0 (i64x2.extend_low_i32x4_s (local.get $fin)))
            (local.set $m1 (i64x2.extend_high_i32x4_s (local.get $fin)))
            (local.set $w0 (f64x2.promote_low_f32x4 (local.get $v)))
            (local.set $w1 (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $v) (local.get $v))))
            ;; code +1 where w > t, −1 where w < −t (and not +1), else 0; counts as i64 lanes
            (local.set $up0 (f64x2.gt (local.get $w0) (local.get $t2)))
            (local.set $up1 (f64x2.gt (local.get $w1) (local.get $t2)))
            (local.set $dn0 (v128.andnot (f64x2.lt (local.get $w0) (local.get $nt2)) (local.get $up0)))
            (local.set $dn1 (v128.andnot (f64x2.lt (local.get $w1) (local.get $nt2)) (local.get $up1)))
            (local.set $plusV (i64x2.sub (i64x2.sub (local.get $plusV) (local.get $up0)) (local.get $up1)))
            (local.set $minusV (i64x2.sub (i64x2.sub (local.get $minusV) (local.get $dn0)) (local.get $dn1)))
            ;; a += w · code per lane (w · −1 = −w exactly; w · 0 = ±0 leaves a lane as it is)
            (local.set $a0 (f64x2.add (local.get $a0) (f64x2.mul (local.get $w0)
              (f64x2.sub (v128.and (local.get $up0) (local.get $one)) (v128.and (local.get $dn0) (local.get $one))))))
            (local.set $a1 (f64x2.add (local.get $a1) (f64x2.mul (local.get $w1)
              (f64x2.sub (v128.and (local.get $up1) (local.get $one)) (v128.and (local.get $dn1) (local.get $one))))))
            ;; dev += (w − mean)², finite lanes only
            (local.set $q (f64x2.sub (local.get $w0) (local.get $mean2)))
            (local.set $d0 (f64x2.add (local.get $d0) (v128.and (f64x2.mul (local.get $q) (local.get $q)) (local.get $m0))))
            (local.set $q (f64x2.sub (local.get $w1) (local.get $mean2)))
            (local.set $d1 (f64x2.add (local.get $d1) (v128.and (f64x2.mul (local.get $q) (local.get $q)) (local.get $m1))))
            ;; bin = clamp(trunc((w − lo) · k), 0, last), four int32 lanes → four bytes
            (local.set $j (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
              (i32x4.trunc_sat_f64x2_s_zero (f64x2.mul (f64x2.sub (local.get $w0) (local.get $lo2)) (local.get $k2)))
              (i32x4.trunc_sat_f64x2_s_zero (f64x2.mul (f64x2.sub (local.get $w1) (local.get $lo2)) (local.get $k2)))))
            (local.set $j (i32x4.max_s (i32x4.min_s (local.get $j) (local.get $last4)) (local.get $zero)))
            (local.set $j (i16x8.narrow_i32x4_u (local.get $j) (local.get $j)))
            (local.set $j (i8x16.narrow_i16x8_u (local.get $j) (local.get $j)))
            (if (i32x4.all_true (local.get $fin))
              (then
                (v128.store32_lane 0 (local.get $sp) (local.get $j))
                (local.set $sp (i32.add (local.get $sp) (i32.const 4))))
              (else
                ;; a NaN or ±Inf among the four: stage the finite ones' bytes only
                (if (i32x4.extract_lane 0 (local.get $fin)) (then
                  (i32.store8 (local.get $sp) (i8x16.extract_lane_u 0 (local.get $j)))
                  (local.set $sp (i32.add (local.get $sp) (i32.const 1)))))
                (if (i32x4.extract_lane 1 (local.get $fin)) (then
                  (i32.store8 (local.get $sp) (i8x16.extract_lane_u 1 (local.get $j)))
                  (local.set $sp (i32.add (local.get $sp) (i32.const 1)))))
                (if (i32x4.extract_lane 2 (local.get $fin)) (then
                  (i32.store8 (local.get $sp) (i8x16.extract_lane_u 2 (local.get $j)))
                  (local.set $sp (i32.add (local.get $sp) (i32.const 1)))))
                (if (i32x4.extract_lane 3 (local.get $fin)) (then
                  (i32.store8 (local.get $sp) (i8x16.extract_lane_u 3 (local.get $j)))
                  (local.set $sp (i32.add (local.get $sp) (i32.const 1)))))))
            (local.set $p (i32.add (local.get $p) (i32.const 16)))
            (br $four)))
        (call $countBytes (local.get $stage) (local.get $sp) (local.get $bins))
        (br $block)))
    (f64.store offset=0 (i32.const 0) (f64.add (f64.load offset=0 (i32.const 0))
      (f64.convert_i64_u (i64.add (i64x2.extract_lane 0 (local.get $plusV)) (i64x2.extract_lane 1 (local.get $plusV))))))
    (f64.store offset=8 (i32.const 0) (f64.add (f64.load offset=8 (i32.const 0))
      (f64.convert_i64_u (i64.add (i64x2.extract_lane 0 (local.get $minusV)) (i64x2.extract_lane 1 (local.get $minusV))))))
    (v128.store offset=16 (i32.const 0) (local.get $a0))
    (v128.store offset=32 (i32.const 0) (local.get $a1))
    (v128.store offset=48 (i32.const 0) (local.get $d0))
    (v128.store offset=64 (i32.const 0) (local.get $d1)))

  ;; More than 256 bins: the scalar loop over [p, end) (a multiple of four
  ;; elements from a lane-0 element), on the accumulators in memory, the sums
  ;; lane by lane as above, bin counts straight into the four sub-histograms.
  (func $ternaryWide (param $p i32) (param $end i32) (param $t f64) (param $mean f64) (param $lo f64) (param $k f64) (param $bins i32)
    (local $w f64) (local $d f64) (local $plus i32) (local $minus i32) (local $at i32) (local $start i32)
    (local $j i32) (local $last i32) (local $lane i32) (local $h i32) (local $up i32) (local $down i32) (local $nt f64)
    (local.set $start (local.get $p))
    (local.set $last (i32.sub (local.get $bins) (i32.const 1)))
    (local.set $nt (f64.neg (local.get $t)))
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $w (f64.promote_f32 (f32.load (local.get $p))))
        ;; this element's lane slot: 8 · ((index) mod 4)
        (local.set $at (i32.and (i32.shl (i32.sub (local.get $p) (local.get $start)) (i32.const 1)) (i32.const 24)))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (if (f64.ne (f64.sub (local.get $w) (local.get $w)) (f64.const 0)) (then (br $l)))
        (local.set $up (f64.gt (local.get $w) (local.get $t)))
        ;; `else if (w < −t)`: never both (t ≥ 0), but exactly the branch's meaning anyway
        (local.set $down (i32.and (f64.lt (local.get $w) (local.get $nt)) (i32.eqz (local.get $up))))
        (local.set $plus (i32.add (local.get $plus) (local.get $up)))
        (local.set $minus (i32.add (local.get $minus) (local.get $down)))
        (f64.store offset=16 (local.get $at) (f64.add (f64.load offset=16 (local.get $at))
          (f64.mul (local.get $w) (f64.convert_i32_s (i32.sub (local.get $up) (local.get $down))))))
        (local.set $d (f64.sub (local.get $w) (local.get $mean)))
        (f64.store offset=48 (local.get $at) (f64.add (f64.load offset=48 (local.get $at)) (f64.mul (local.get $d) (local.get $d))))
        ;; w ≥ lo, so truncation is floor; clamp into [0, last] as the TypeScript loop does
        ;; (saturating truncation through a vector lane: V8 checks the scalar one with a
        ;; convert-back and a branch, several times slower)
        (local.set $j (i32x4.extract_lane 0 (i32x4.trunc_sat_f64x2_s_zero
          (f64x2.splat (f64.mul (f64.sub (local.get $w) (local.get $lo)) (local.get $k))))))
        (local.set $j (select (local.get $last) (local.get $j) (i32.gt_s (local.get $j) (local.get $last))))
        (local.set $j (select (i32.const 0) (local.get $j) (i32.lt_s (local.get $j) (i32.const 0))))
        ;; sub-histogram lane·bins + j, 4 bytes each, after the accumulators
        (local.set $h (i32.add (i32.const 256)
          (i32.shl (i32.add (i32.mul (local.get $lane) (local.get $bins)) (local.get $j)) (i32.const 2))))
        (i32.store (local.get $h) (i32.add (i32.load (local.get $h)) (i32.const 1)))
        (local.set $lane (i32.and (i32.add (local.get $lane) (i32.const 1)) (i32.const 3)))
        (br $l)))
    (f64.store offset=0 (i32.const 0) (f64.add (f64.load offset=0 (i32.const 0)) (f64.convert_i32_u (local.get $plus))))
    (f64.store offset=8 (i32.const 0) (f64.add (f64.load offset=8 (i32.const 0)) (f64.convert_i32_u (local.get $minus)))))

  ;; Adds the bin bytes in [from, to) into the four sub-histograms at 256 (each
  ;; `bins` int32 counts), byte i into sub-histogram i mod 4.
  (func $countBytes (param $from i32) (param $to i32) (param $bins i32)
    (local $v i32) (local $h1 i32) (local $h2 i32) (local $h3 i32) (local $at i32) (local $end4 i32)
    (local.set $h1 (i32.add (i32.const 256) (i32.shl (local.get $bins) (i32.const 2))))
    (local.set $h2 (i32.add (local.get $h1) (i32.shl (local.get $bins) (i32.const 2))))
    (local.set $h3 (i32.add (local.get $h2) (i32.shl (local.get $bins) (i32.const 2))))
    (local.set $end4 (i32.sub (local.get $to) (i32.and (i32.sub (local.get $to) (local.get $from)) (i32.const 3))))
    (block $fours
      (loop $four
        (br_if $fours (i32.ge_u (local.get $from) (local.get $end4)))
        (local.set $v (i32.load (local.get $from)))
        (local.set $at (i32.add (i32.const 256) (i32.shl (i32.and (local.get $v) (i32.const 255)) (i32.const 2))))
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
        (local.set $at (i32.add (i32.const 256) (i32.shl (i32.load8_u (local.get $from)) (i32.const 2))))
        (i32.store (local.get $at) (i32.add (i32.load (local.get $at)) (i32.const 1)))
        (local.set $from (i32.add (local.get $from) (i32.const 1)))
        (br $one))))
)
