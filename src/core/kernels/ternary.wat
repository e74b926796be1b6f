;; Ternary GEMV / GEMM on packed 2-bit weights with int8 activations.
;; Hand-written WebAssembly text with 128-bit SIMD; compiled to bytes by
;; scripts/build-kernels.mjs into src/core/kernels/generated/ternaryWasm.ts.
;;
;; BitNet b1.58 inference (bitnet-reference.md §1.4, FAQ Fig. 4):
;;   acc_i = Σ_j Xq_j · Q_ij     (Q ∈ {−1, 0, +1}: additions and subtractions only)
;;   y_i   = acc_i · γ / sx      (done by the caller, one float multiply per output)
;; This module computes only the int32 accumulators; nothing in it multiplies.
;;
;; Packed weight layout ("bitplanes", 2 bits per weight):
;;   A row of `in` weights is split into blocks of 128 inputs (the last block is
;;   zero-padded). Each block is 32 bytes: 16 bytes of the NONZERO plane, then
;;   16 bytes of the SIGN plane (1 = −1). Weight k of the block (0 ≤ k < 128)
;;   lives in byte lane i = k mod 16, bit 7 − ⌊k/16⌋ of both planes.
;;   So bit 7 of the 16 lanes covers inputs 0..15, bit 6 inputs 16..31, and so
;;   on: the most significant bit first, because testing the sign of a byte
;;   (i8x16.lt_s against 0) turns it into a lane mask in one instruction, and
;;   adding the plane to itself shifts the next bit up.
;;   Rows follow one another: row r starts at byte r · blocks · 32.
;;
;; Activations: one token is `blocks · 128` int8 values (the padding is ignored:
;; its weights are zero), tokens `stride` bytes apart. Values must lie in
;; [−127, 127]: the conditional negation below would wrap −128 (absmax
;; quantization never produces it, bitnet-reference.md §1.2).
;;
;; Overflow: each i16 lane receives the sum of two int8 products per 16-input
;; step, |·| ≤ 254, eight steps per block → ≤ 2032 per block. After 16 blocks
;; (≤ 32512 < 32767) the i16 lanes are widened into i32 and cleared.
(module
  (memory (export "memory") 1)

  ;; Horizontal sum of an i32x4.
  (func $hsum (param $v v128) (result i32)
    (i32.add
      (i32.add (i32x4.extract_lane 0 (local.get $v)) (i32x4.extract_lane 1 (local.get $v)))
      (i32.add (i32x4.extract_lane 2 (local.get $v)) (i32x4.extract_lane 3 (local.get $v)))))

  ;; One token: out[r] = Σ_j x[j] · Q[r, j] for r < rows (int32, little endian).
  (func (export "gemv") (param $w i32) (param $rows i32) (param $blocks i32) (param $x i32) (param $out i32)
    (local $r i32) (local $b i32) (local $chunkEnd i32) (local $xp i32) (local $j i32)
    (local $nz v128) (local $sg v128) (local $mn v128) (local $ms v128) (local $v v128)
    (local $acc16 v128) (local $acc32 v128)
    (local $zero v128)
    (if (i32.eqz (local.get $rows)) (then (return)))
    (local.set $zero (v128.const i32x4 0 0 0 0))
    (loop $rowLoop
      (local.set $acc32 (local.get $zero))
      (local.set $b (i32.const 0))
      (local.set $xp (local.get $x))
      (block $chunksDone
        (loop $chunkLoop
          (br_if $chunksDone (i32.ge_u (local.get $b) (local.get $blocks)))
          (local.set $chunkEnd (i32.add (local.get $b) (i32.const 16)))
          (if (i32.gt_u (local.get $chunkEnd) (local.get $blocks))
            (then (local.set $chunkEnd (local.get $blocks))))
          (local.set $acc16 (local.get $zero))
          (loop $blockLoop
            (local.set $nz (v128.load (local.get $w)))
            (local.set $sg (v128.load offset=16 (local.get $w)))
            (local.set $j (i32.const 8))
            (loop $bitLoop
              ;; masks for this group of 16 inputs from the top bit of each plane
              (local.set $mn (i8x16.lt_s (local.get $nz) (local.get $zero)))
              (local.set $ms (i8x16.lt_s (local.get $sg) (local.get $zero)))
              (local.set $nz (i8x16.add (local.get $nz) (local.get $nz)))
              (local.set $sg (i8x16.add (local.get $sg) (local.get $sg)))
              ;; keep x where the weight is nonzero, negate it where the weight is −1:
              ;; (v xor m) − m is v for m = 0 and −v for m = −1
              (local.set $v (v128.and (v128.load (local.get $xp)) (local.get $mn)))
              (local.set $v (i8x16.sub (v128.xor (local.get $v) (local.get $ms)) (local.get $ms)))
              (local.set $acc16 (i16x8.add (local.get $acc16) (i16x8.extadd_pairwise_i8x16_s (local.get $v))))
              (local.set $xp (i32.add (local.get $xp) (i32.const 16)))
              (br_if $bitLoop (local.tee $j (i32.sub (local.get $j) (i32.const 1)))))
            (local.set $w (i32.add (local.get $w) (i32.const 32)))
            (br_if $blockLoop (i32.lt_u (local.tee $b (i32.add (local.get $b) (i32.const 1))) (local.get $chunkEnd))))
          (local.set $acc32 (i32x4.add (local.get $acc32) (i32x4.extadd_pairwise_i16x8_s (local.get $acc16))))
          (br $chunkLoop)))
      (i32.store (local.get $out) (call $hsum (local.get $acc32)))
      (local.set $out (i32.add (local.get $out) (i32.const 4)))
      (br_if $rowLoop (i32.lt_u (local.tee $r (i32.add (local.get $r) (i32.const 1))) (local.get $rows)))))

  ;; Four tokens at once, `stride` bytes apart (≥ blocks · 128; the caller pads
  ;; it off multiples of 4096 so the four loads do not alias in the L1 cache):
  ;; the masks of each weight group are decoded once and applied to all four.
  ;; out[t · rows + r] for t < 4.
  (func (export "gemm4") (param $w i32) (param $rows i32) (param $blocks i32) (param $x i32) (param $stride i32) (param $out i32)
    (local $r i32) (local $b i32) (local $chunkEnd i32) (local $xp i32) (local $j i32)
    (local $nz v128) (local $sg v128) (local $mn v128) (local $ms v128) (local $v v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $o0 i32) (local $o1 i32) (local $o2 i32) (local $o3 i32)
    (local $zero v128) (local $rowBytes i32) (local $stride2 i32) (local $stride3 i32)
    (if (i32.eqz (local.get $rows)) (then (return)))
    (local.set $zero (v128.const i32x4 0 0 0 0))
    (local.set $rowBytes (i32.shl (local.get $rows) (i32.const 2)))
    ;; address offsets of tokens 2 and 3, computed once outside the loops
    (local.set $stride2 (i32.add (local.get $stride) (local.get $stride)))
    (local.set $stride3 (i32.add (local.get $stride2) (local.get $stride)))
    (loop $rowLoop
      (local.set $o0 (local.get $out))
      (local.set $o1 (i32.add (local.get $o0) (local.get $rowBytes)))
      (local.set $o2 (i32.add (local.get $o1) (local.get $rowBytes)))
      (local.set $o3 (i32.add (local.get $o2) (local.get $rowBytes)))
      (i32.store (local.get $o0) (i32.const 0)) (i32.store (local.get $o1) (i32.const 0))
      (i32.store (local.get $o2) (i32.const 0)) (i32.store (local.get $o3) (i32.const 0))
      (local.set $b (i32.const 0))
      (local.set $xp (local.get $x))
      (block $chunksDone
        (loop $chunkLoop
          (br_if $chunksDone (i32.ge_u (local.get $b) (local.get $blocks)))
          (local.set $chunkEnd (i32.add (local.get $b) (i32.const 16)))
          (if (i32.gt_u (local.get $chunkEnd) (local.get $blocks))
            (then (local.set $chunkEnd (local.get $blocks))))
          (local.set $a0 (local.get $zero)) (local.set $a1 (local.get $zero))
          (local.set $a2 (local.get $zero)) (local.set $a3 (local.get $zero))
          (loop $blockLoop
            (local.set $nz (v128.load (local.get $w)))
            (local.set $sg (v128.load offset=16 (local.get $w)))
            (local.set $j (i32.const 8))
            (loop $bitLoop
              (local.set $mn (i8x16.lt_s (local.get $nz) (local.get $zero)))
              (local.set $ms (i8x16.lt_s (local.get $sg) (local.get $zero)))
              (local.set $nz (i8x16.add (local.get $nz) (local.get $nz)))
              (local.set $sg (i8x16.add (local.get $sg) (local.get $sg)))
              ;; token 0
              (local.set $v (v128.and (v128.load (local.get $xp)) (local.get $mn)))
              (local.set $v (i8x16.sub (v128.xor (local.get $v) (local.get $ms)) (local.get $ms)))
              (local.set $a0 (i16x8.add (local.get $a0) (i16x8.extadd_pairwise_i8x16_s (local.get $v))))
              ;; token 1
              (local.set $v (v128.and (v128.load (i32.add (local.get $xp) (local.get $stride))) (local.get $mn)))
              (local.set $v (i8x16.sub (v128.xor (local.get $v) (local.get $ms)) (local.get $ms)))
              (local.set $a1 (i16x8.add (local.get $a1) (i16x8.extadd_pairwise_i8x16_s (local.get $v))))
              ;; token 2
              (local.set $v (v128.and (v128.load (i32.add (local.get $xp) (local.get $stride2))) (local.get $mn)))
              (local.set $v (i8x16.sub (v128.xor (local.get $v) (local.get $ms)) (local.get $ms)))
              (local.set $a2 (i16x8.add (local.get $a2) (i16x8.extadd_pairwise_i8x16_s (local.get $v))))
              ;; token 3
              (local.set $v (v128.and (v128.load (i32.add (local.get $xp) (local.get $stride3))) (local.get $mn)))
              (local.set $v (i8x16.sub (v128.xor (local.get $v) (local.get $ms)) (local.get $ms)))
              (local.set $a3 (i16x8.add (local.get $a3) (i16x8.extadd_pairwise_i8x16_s (local.get $v))))
              (local.set $xp (i32.add (local.get $xp) (i32.const 16)))
              (br_if $bitLoop (local.tee $j (i32.sub (local.get $j) (i32.const 1)))))
            (local.set $w (i32.add (local.get $w) (i32.const 32)))
            (br_if $blockLoop (i32.lt_u (local.tee $b (i32.add (local.get $b) (i32.const 1))) (local.get $chunkEnd))))
          ;; Widen into the int32 outputs in memory rather than in four more
          ;; v128 locals: x64 has 16 vector registers and the loop above already
          ;; keeps about twelve live.
          (i32.store (local.get $o0) (i32.add (i32.load (local.get $o0))
            (call $hsum (i32x4.extadd_pairwise_i16x8_s (local.get $a0)))))
          (i32.store (local.get $o1) (i32.add (i32.load (local.get $o1))
            (call $hsum (i32x4.extadd_pairwise_i16x8_s (local.get $a1)))))
          (i32.store (local.get $o2) (i32.add (i32.load (local.get $o2))
            (call $hsum (i32x4.extadd_pairwise_i16x8_s (local.get $a2)))))
          (i32.store (local.get $o3) (i32.add (i32.load (local.get $o3))
            (call $hsum (i32x4.extadd_pairwise_i16x8_s (local.get $a3)))))
          (br $chunkLoop)))
      (local.set $out (i32.add (local.get $out) (i32.const 4)))
      (br_if $rowLoop (i32.lt_u (local.tee $r (i32.add (local.get $r) (i32.const 1))) (local.get $rows)))))

  ;; Bandwidth probe: copy n bytes (multiple of 64) from src to dst with v128 loads/stores.
  (func (export "copy") (param $dst i32) (param $src i32) (param $n i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $src) (local.get $n)))
    (if (i32.eqz (local.get $n)) (then (return)))
    (loop $l
      (v128.store (local.get $dst) (v128.load (local.get $src)))
      (v128.store offset=16 (local.get $dst) (v128.load offset=16 (local.get $src)))
      (v128.store offset=32 (local.get $dst) (v128.load offset=32 (local.get $src)))
      (v128.store offset=48 (local.get $dst) (v128.load offset=48 (local.get $src)))
      (local.set $dst (i32.add (local.get $dst) (i32.const 64)))
      (br_if $l (i32.lt_u (local.tee $src (i32.add (local.get $src) (i32.const 64))) (local.get $end)))))
;; Bandwidth probe: read n bytes (multiple of 64) with v128 loads; the xor of
  ;; everything is returned so the loads cannot be optimized away.
  (func (export "read") (param $src i32) (param $n i32) (result i32)
    (local $end i32) (local $a v128) (local $b v128)
    (local.set $end (i32.add (local.get $src) (local.get $n)))
    (if (i32.eqz (local.get $n)) (then (return (i32.const 0))))
    (loop $l
      (local.set $a (v128.xor (local.get $a) (v128.load (local.get $src))))
      (local.set $b (v128.xor (local.get $b) (v128.load offset=16 (local.get $src))))
      (local.set $a (v128.xor (local.get $a) (v128.load offset=32 (local.get $src))))
      (local.set $b (v128.xor (local.get $b) (v128.load offset=48 (local.get $src))))
      (br_if $l (i32.lt_u (local.tee $src (i32.add (local.get $src) (i32.const 64))) (local.get $end))))
    (i32x4.extract_lane 0 (v128.xor (local.get $a) (local.get $b))))
)
