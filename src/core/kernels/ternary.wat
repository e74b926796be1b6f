;; The matrix kernels: ternary GEMV / GEMM on packed 2-bit codes with int8
;; activations, float GEMV on f32 / f16 / bf16 weights, and the loop that lets
;; worker threads share one call. Hand-written WebAssembly text with 128-bit
;; SIMD, threads (one shared memory for every thread) and relaxed SIMD;
;; scripts/build-kernels.mjs compiles it twice into src/core/kernels/generated/:
;; as written (relaxed SIMD) and with each relaxed instruction rewritten into
;; plain SIMD for engines without it (the build script names the rewrites).
;;
;; BitNet b1.58 inference (bitnet-reference.md §1.4, FAQ Fig. 4):
;;   acc_i = Σ_j Xq_j · Q_ij     (Q ∈ {−1, 0, +1})
;;   y_i   = acc_i · γ / sx      (done by the caller, one float multiply per output)
;;
;; Packed ternary layout (packing.ts says the same): codes c = Q + 1 ∈ {0, 1, 2},
;; 2 bits each, in blocks of 64 inputs = 16 bytes. Weight k of a block sits in
;; byte lane k mod 16, bits 2·⌊k/16⌋ and up (lowest first), so `(p >> 2g) & 3`
;; yields the codes of inputs 16g … 16g+15 as 16 bytes. Rows go in groups of
;; four, interleaved block by block ([r0 b0][r1 b0][r2 b0][r3 b0][r0 b1] …), so
;; a group is one sequential stream; rows are padded to a multiple of four and
;; inputs to a multiple of 64 with code 1 (weight 0).
;;
;; The dot product is bitnet.cpp's I2_S trick (bitnet-reference.md §4c): the
;; codes are unsigned, so `i16x8.relaxed_dot_i8x16_i7x16_s(x, c)` (x86
;; pmaddubsw, deterministic because c ≤ 127) gives Σ c·x, and
;; Σ Q·x = Σ c·x − Σ x. The caller passes −Σx as the accumulator's start
;; ("bias"); the activation padding must be zero.
;;
;; Overflow: an i16 lane adds two products |c·x| ≤ 254 per dot, four dots per
;; block → ≤ 2032 per block; after 16 blocks (≤ 32512 < 32767) the lanes are
;; widened into the int32 outputs and cleared. Activations lie in [−127, 127].
;;
;; Float layout: row-major [rowsPadded, inPadded] (in padded to a multiple of
;; 8 with zeros), rows padded to a multiple of four; the kernel walks four rows
;; at once, y_r = Σ_j W_rj · x_j in float32.
(module
  (import "env" "memory" (memory 1 65536 shared))
  ;; milliseconds (performance.now): bounds a worker's spin in time, not in loads
  (import "env" "now" (func $now (result f64)))

  ;; ------------------------------------------------------------------ helpers

  (func $hsum (param $v v128) (result i32)
    (i32.add
      (i32.add (i32x4.extract_lane 0 (local.get $v)) (i32x4.extract_lane 1 (local.get $v)))
      (i32.add (i32x4.extract_lane 2 (local.get $v)) (i32x4.extract_lane 3 (local.get $v)))))

  (func $hsumf (param $v v128) (result f32)
    (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $v)) (f32x4.extract_lane 1 (local.get $v)))
      (f32.add (f32x4.extract_lane 2 (local.get $v)) (f32x4.extract_lane 3 (local.get $v)))))

  ;; out[i] += Σ of the widened i16 lanes of a (one int32 output).
  (func $flush (param $out i32) (param $a v128)
    (i32.store (local.get $out)
      (i32.add (i32.load (local.get $out)) (call $hsum (i32x4.extadd_pairwise_i16x8_s (local.get $a))))))

  ;; ------------------------------------------------------------------ ternary

  ;; One token against `groups` row groups: out[4g + i] = bias + Σ c·x.
  (func $tgemv (param $w i32) (param $groups i32) (param $blocks i32) (param $x i32) (param $bias i32) (param $out i32)
    (local $g i32) (local $b i32) (local $end i32) (local $xp i32)
    (local $p0 v128) (local $p1 v128) (local $p2 v128) (local $p3 v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $xv v128) (local $m v128) (local $zero v128)
    (if (i32.eqz (local.get $groups)) (then (return)))
    (local.set $m (i8x16.splat (i32.const 3)))
    (loop $group
      (i32.store offset=0 (local.get $out) (local.get $bias))
      (i32.store offset=4 (local.get $out) (local.get $bias))
      (i32.store offset=8 (local.get $out) (local.get $bias))
      (i32.store offset=12 (local.get $out) (local.get $bias))
      (local.set $b (i32.const 0))
      (local.set $xp (local.get $x))
      (block $chunksDone
        (loop $chunk
          (br_if $chunksDone (i32.ge_u (local.get $b) (local.get $blocks)))
          (local.set $end (i32.add (local.get $b) (i32.const 16)))
          (if (i32.gt_u (local.get $end) (local.get $blocks)) (then (local.set $end (local.get $blocks))))
          (local.set $a0 (local.get $zero)) (local.set $a1 (local.get $zero))
          (local.set $a2 (local.get $zero)) (local.set $a3 (local.get $zero))
          (loop $block
            (local.set $p0 (v128.load offset=0 (local.get $w)))
            (local.set $p1 (v128.load offset=16 (local.get $w)))
            (local.set $p2 (v128.load offset=32 (local.get $w)))
            (local.set $p3 (v128.load offset=48 (local.get $w)))
            ;; inputs 0..15 of the block
            (local.set $xv (v128.load offset=0 (local.get $xp)))
            (local.set $a0 (i16x8.add (local.get $a0) (i16x8.relaxed_dot_i8x16_i7x16_s (local.get $xv) (v128.and (local.get $p0) (local.get $m)))))
            (local.set $a1 (i16x8.add (local.get $a1) (i16x8.relaxed_dot_i8x16_i7x16_s (local.get $xv) (v128.and (local.get $p1) (local.get $m)))))
            (local.set $a2 (i16x8.add (local.get $a2) (i16x8.relaxed_dot_i8x16_i7x16_s (local.get $xv) (v128.and (local.get $p2) (local.get $m)))))
            (local.set $a3 (i16x8.add (local.get $a3) (i16x8.relaxed_dot_i8x16_i7x16_s (local.get $xv) (v128.and (local.get $p3) (local.get $m)))))
            ;; a 16-bit shift moves every byte's next code down; the mask drops what crossed a byte edge
            (local.set $p0 (i16x8.shr_u (local.get $p0) (i32.const 2)))
            (local.set $p1 (i16x8.shr_u (local.get $p1) (i32.const 2)))
            (local.set $p2 (i16x8.shr_u (local.get $p2) (i32.const 2)))
            (local.set $p3 (i16x8.shr_u (local.get $p3) (i32.const 2)))
            ;; inputs 16..31
            (local.set $xv (v128.load offset=16 (local.get $xp)))
            (local.set $a0 (i16x8.add (local.get $a0) (i16x8.relaxed_dot_i8x16_i7x16_s (local.get $xv) (v128.and (local.get $p0) (local.get $m)))))
            (local.set $a1 (i16x8.add (local.get $a1) (i16x8.relaxed_dot_i8x16_i7x16_s (local.get $xv) (v128.and (local.get $p1) (local.get $m)))))
            (local.set $a2 (i16x8.add (local.get $a2) (i16x8.relaxed_dot_i8x16_i7x16_s (local.get $xv) (v128.and (local.get $p2) (local.get $m)))))
            (local.set $a3 (i16x8.add (local.get $a3) (i16x8.relaxed_dot_i8x16_i7x16_s (local.get $xv) (v128.and (local.get $p3) (local.get $m)))))
            (local.set $p0 (i16x8.shr_u (local.get $p0) (i32.const 2)))
            (local.set $p1 (i16x8.shr_u (local.get $p1) (i32.const 2)))
            (local.set $p2 (i16x8.shr_u (local.get $p2) (i32.const 2)))
            (local.set $p3 (i16x8.shr_u (local.get $p3) (i32.const 2)))
            ;; inputs 32..47
            (local.set $xv (v128.load offset=32 (local.get $xp)))
            (local.set $a0 (i16x8.add (local.get $a0) (i16x8.relaxed_dot_i8x16_i7x16_s (local.get $xv) (v128.and (local.get $p0) (local.get $m)))))
            (local.set $a1 (i16x8.add (local.get $a1) (i16x8.relaxed_dot_i8x16_i7x16_s (local.get $xv) (v128.and (local.get $p1) (local.get $m)))))
            (local.set $a2 (i16x8.add (local.get $a2) (i16x8.relaxed_dot_i8x16_i7x16_s (local.get $xv) (v128.and (local.get $p2) (local.get $m)))))
            (local.set $a3 (i16x8.add (local.get $a3) (i16x8.relaxed_dot_i8x16_i7x16_s (local.get $xv) (v128.and (local.get $p3) (local.get $m)))))
            (local.set $p0 (i16x8.shr_u (local.get $p0) (i32.const 2)))
            (local.set $p1 (i16x8.shr_u (local.get $p1) (i32.const 2)))
            (local.set $p2 (i16x8.shr_u (local.get $p2) (i32.const 2)))
            (local.set $p3 (i16x8.shr_u (local.get $p3) (i32.const 2)))
            ;; inputs 48..63
            (local.set $xv (v128.load offset=48 (local.get $xp)))
            (local.set $a0 (i16x8.add (local.get $a0) (i16x8.relaxed_dot_i8x16_i7x16_s (local.get $xv) (v128.and (local.get $p0) (local.get $m)))))
            (local.set $a1 (i16x8.add (local.get $a1) (i16x8.relaxed_dot_i8x16_i7x16_s (local.get $xv) (v128.and (local.get $p1) (local.get $m)))))
            (local.set $a2 (i16x8.add (local.get $a2) (i16x8.relaxed_dot_i8x16_i7x16_s (local.get $xv) (v128.and (local.get $p2) (local.get $m)))))
            (local.set $a3 (i16x8.add (local.get $a3) (i16x8.relaxed_dot_i8x16_i7x16_s (local.get $xv) (v128.and (local.get $p3) (local.get $m)))))
            (local.set $w (i32.add (local.get $w) (i32.const 64)))
            (local.set $xp (i32.add (local.get $xp) (i32.const 64)))
            (br_if $block (i32.lt_u (local.tee $b (i32.add (local.get $b) (i32.const 1))) (local.get $end))))
          (call $flush (i32.add (local.get $out) (i32.const 0)) (local.get $a0))
          (call $flush (i32.add (local.get $out) (i32.const 4)) (local.get $a1))
          (call $flush (i32.add (local.get $out) (i32.const 8)) (local.get $a2))
          (call $flush (i32.add (local.get $out) (i32.const 12)) (local.get $a3))
          (br $chunk)))
      (local.set $out (i32.add (local.get $out) (i32.const 16)))
      (br_if $group (i32.lt_u (local.tee $g (i32.add (local.get $g) (i32.const 1))) (local.get $groups)))))

  ;; ---------------------------------------------------------- ternary, batched
  ;;
  ;; Four tokens or more: the codes of a tile (≤ 8 row groups) are decoded once
  ;; into bytes (c ∈ {0, 1, 2}, one per weight) in the calling thread's scratch,
  ;; and every group of four tokens runs $tgemm4d over those bytes: per 16
  ;; inputs two code loads, four activation loads, eight dot products, no
  ;; shifting or masking. Decoding is paid once per tile instead of once per
  ;; four tokens, and the loop keeps 14 vectors live, all in registers.
  ;;
  ;; Decoded tile: row pair (group gi, rows 2h and 2h + 1) at
  ;; dst + (2·gi + h)·blocks·128; inside it, block b, step s (inputs
  ;; 16s … 16s + 15 of the block), row r of the pair at b·128 + s·32 + r·16.
  (func $decode4 (param $w i32) (param $groups i32) (param $blocks i32) (param $dst i32)
    (local $g i32) (local $b i32) (local $i i32) (local $p v128) (local $m v128) (local $d i32)
    (if (i32.eqz (local.get $groups)) (then (return)))
    (local.set $m (i8x16.splat (i32.const 3)))
    (loop $group
      (local.set $b (i32.const 0))
      (loop $block
        (local.set $i (i32.const 0))
        (loop $row
          (local.set $p (v128.load (local.get $w)))
          (local.set $d (i32.add (local.get $dst)
            (i32.add (i32.mul (i32.add (i32.shl (local.get $g) (i32.const 1)) (i32.shr_u (local.get $i) (i32.const 1)))
                              (i32.shl (local.get $blocks) (i32.const 7)))
                     (i32.add (i32.shl (local.get $b) (i32.const 7)) (i32.shl (i32.and (local.get $i) (i32.const 1)) (i32.const 4))))))
          (v128.store offset=0 (local.get $d) (v128.and (local.get $p) (local.get $m)))
          (v128.store offset=32 (local.get $d) (v128.and (i16x8.shr_u (local.get $p) (i32.const 2)) (local.get $m)))
          (v128.store offset=64 (local.get $d) (v128.and (i16x8.shr_u (local.get $p) (i32.const 4)) (local.get $m)))
          (v128.store offset=96 (local.get $d) (v128.and (i16x8.shr_u (local.get $p) (i32.const 6)) (local.get $m)))
          (local.set $w (i32.add (local.get $w) (i32.const 16)))
          (br_if $row (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (i32.const 4))))
        (br_if $block (i32.lt_u (local.tee $b (i32.add (local.get $b) (i32.const 1))) (local.get $blocks))))
      (br_if $group (i32.lt_u (local.tee $g (i32.add (local.get $g) (i32.const 1))) (local.get $groups)))))

  ;; Four tokens' activations interleaved for $tgemm4d: token t's inputs
  ;; 16k … 16k + 15 at dst + k·64 + t·16 (tokens `xs` bytes apart at x).
  (func (export "interleave4") (param $x i32) (param $xs i32) (param $blocks i32) (param $dst i32)
    (local $k i32) (local $n i32)
    (local.set $n (i32.shl (local.get $blocks) (i32.const 2)))
    (loop $l
      (v128.store offset=0 (local.get $dst) (v128.load (local.get $x)))
      (v128.store offset=16 (local.get $dst) (v128.load (i32.add (local.get $x) (local.get $xs))))
      (v128.store offset=32 (local.get $dst) (v128.load (i32.add (local.get $x) (i32.shl (local.get $xs) (i32.const 1)))))
      (v128.store offset=48 (local.get $dst) (v128.load (i32.add (local.get $x) (i32.mul (local.get $xs) (i32.const 3)))))
      (local.set $x (i32.add (local.get $x) (i32.const 16)))
      (local.set $dst (i32.add (local.get $dst) (i32.const 64)))
      (br_if $l (i32.lt_u (local.tee $k (i32.add (local.get $k) (i32.const 1))) (local.get $n)))))

  ;; Four tokens (interleaved at x4) against a decoded tile of `groups` row
  ;; groups, two rows at a time; biases bias[0..3], outputs `os` bytes apart.
  ;; The i16 lanes are widened every 16 blocks into int32 lanes kept at `acc`
  ;; (128 bytes of the thread's scratch) and summed across once per row.
  (func $tgemm4d (param $dec i32) (param $groups i32) (param $blocks i32) (param $x4 i32)
                 (param $bias i32) (param $out i32) (param $os i32) (param $acc i32)
    (local $g i32) (local $h i32) (local $b i32) (local $end i32) (local $o i32) (local $cp i32) (local $xp i32) (local $steps i32)
    (local $c0 v128) (local $c1 v128) (local $xv v128) (local $zero v128)
    (local $a00 v128) (local $a01 v128) (local $a10 v128) (local $a11 v128)
    (local $a20 v128) (local $a21 v128) (local $a30 v128) (local $a31 v128)
    (if (i32.eqz (local.get $groups)) (then (return)))
    (local.set $cp (local.get $dec))
    (loop $group
      (local.set $h (i32.const 0))
      (loop $halves
        (local.set $o (i32.add (local.get $out) (i32.shl (local.get $h) (i32.const 3))))
        (v128.store offset=0 (local.get $acc) (local.get $zero))
        (v128.store offset=16 (local.get $acc) (local.get $zero))
        (v128.store offset=32 (local.get $acc) (local.get $zero))
        (v128.store offset=48 (local.get $acc) (local.get $zero))
        (v128.store offset=64 (local.get $acc) (local.get $zero))
        (v128.store offset=80 (local.get $acc) (local.get $zero))
        (v128.store offset=96 (local.get $acc) (local.get $zero))
        (v128.store offset=112 (local.get $acc) (local.get $zero))
        (local.set $xp (local.get $x4))
        (local.set $b (i32.const 0))
        (block $chunksDone
          (loop $chunk
            (br_if $chunksDone (i32.ge_u (local.get $b) (local.get $blocks)))
            (local.set $end (i32.add (local.get $b) (i32.const 16)))
            (if (i32.gt_u (local.get $end) (local.get $blocks)) (then (local.set $end (local.get $blocks))))
            (local.set $a00 (local.get $zero)) (local.set $a01 (local.get $zero))
            (local.set $a10 (local.get $zero)) (local.set $a11 (local.get $zero))
            (local.set $a20 (local.get $zero)) (local.set $a21 (local.get $zero))
            (local.set $a30 (local.get $zero)) (local.set $a31 (local.get $zero))
            (local.set $steps (i32.shl (i32.sub (local.get $end) (local.get $b)) (i32.const 2)))
            (loop $step
              (local.set $c0 (v128.load offset=0 (local.get $cp)))
              (local.set $c1 (v128.load offset=16 (local.get $cp)))
              (local.set $xv (v128.load offset=0 (local.get $xp)))
              (local.set $a00 (i16x8.add (local.get $a00) (i16x8.relaxed_dot_i8x16_i7x16_s (local.get $xv) (local.get $c0))))
              (local.set $a01 (i16x8.add (local.get $a01) (i16x8.relaxed_dot_i8x16_i7x16_s (local.get $xv) (local.get $c1))))
              (local.set $xv (v128.load offset=16 (local.get $xp)))
              (local.set $a10 (i16x8.add (local.get $a10) (i16x8.relaxed_dot_i8x16_i7x16_s (local.get $xv) (local.get $c0))))
              (local.set $a11 (i16x8.add (local.get $a11) (i16x8.relaxed_dot_i8x16_i7x16_s (local.get $xv) (local.get $c1))))
              (local.set $xv (v128.load offset=32 (local.get $xp)))
              (local.set $a20 (i16x8.add (local.get $a20) (i16x8.relaxed_dot_i8x16_i7x16_s (local.get $xv) (local.get $c0))))
              (local.set $a21 (i16x8.add (local.get $a21) (i16x8.relaxed_dot_i8x16_i7x16_s (local.get $xv) (local.get $c1))))
              (local.set $xv (v128.load offset=48 (local.get $xp)))
              (local.set $a30 (i16x8.add (local.get $a30) (i16x8.relaxed_dot_i8x16_i7x16_s (local.get $xv) (local.get $c0))))
              (local.set $a31 (i16x8.add (local.get $a31) (i16x8.relaxed_dot_i8x16_i7x16_s (local.get $xv) (local.get $c1))))
              (local.set $cp (i32.add (local.get $cp) (i32.const 32)))
              (local.set $xp (i32.add (local.get $xp) (i32.const 64)))
              (br_if $step (local.tee $steps (i32.sub (local.get $steps) (i32.const 1)))))
            (v128.store offset=0 (local.get $acc) (i32x4.add (v128.load offset=0 (local.get $acc)) (i32x4.extadd_pairwise_i16x8_s (local.get $a00))))
            (v128.store offset=16 (local.get $acc) (i32x4.add (v128.load offset=16 (local.get $acc)) (i32x4.extadd_pairwise_i16x8_s (local.get $a01))))
            (v128.store offset=32 (local.get $acc) (i32x4.add (v128.load offset=32 (local.get $acc)) (i32x4.extadd_pairwise_i16x8_s (local.get $a10))))
            (v128.store offset=48 (local.get $acc) (i32x4.add (v128.load offset=48 (local.get $acc)) (i32x4.extadd_pairwise_i16x8_s (local.get $a11))))
            (v128.store offset=64 (local.get $acc) (i32x4.add (v128.load offset=64 (local.get $acc)) (i32x4.extadd_pairwise_i16x8_s (local.get $a20))))
            (v128.store offset=80 (local.get $acc) (i32x4.add (v128.load offset=80 (local.get $acc)) (i32x4.extadd_pairwise_i16x8_s (local.get $a21))))
            (v128.store offset=96 (local.get $acc) (i32x4.add (v128.load offset=96 (local.get $acc)) (i32x4.extadd_pairwise_i16x8_s (local.get $a30))))
            (v128.store offset=112 (local.get $acc) (i32x4.add (v128.load offset=112 (local.get $acc)) (i32x4.extadd_pairwise_i16x8_s (local.get $a31))))
            (local.set $b (local.get $end))
            (br $chunk)))
        ;; row 2h + r of the group, token t: bias + the int32 lanes summed
        (i32.store offset=0 (local.get $o) (i32.add (i32.load offset=0 (local.get $bias)) (call $hsum (v128.load offset=0 (local.get $acc)))))
        (i32.store offset=4 (local.get $o) (i32.add (i32.load offset=0 (local.get $bias)) (call $hsum (v128.load offset=16 (local.get $acc)))))
        (i32.store offset=0 (i32.add (local.get $o) (local.get $os)) (i32.add (i32.load offset=4 (local.get $bias)) (call $hsum (v128.load offset=32 (local.get $acc)))))
        (i32.store offset=4 (i32.add (local.get $o) (local.get $os)) (i32.add (i32.load offset=4 (local.get $bias)) (call $hsum (v128.load offset=48 (local.get $acc)))))
        (i32.store offset=0 (i32.add (local.get $o) (i32.shl (local.get $os) (i32.const 1))) (i32.add (i32.load offset=8 (local.get $bias)) (call $hsum (v128.load offset=64 (local.get $acc)))))
        (i32.store offset=4 (i32.add (local.get $o) (i32.shl (local.get $os) (i32.const 1))) (i32.add (i32.load offset=8 (local.get $bias)) (call $hsum (v128.load offset=80 (local.get $acc)))))
        (i32.store offset=0 (i32.add (local.get $o) (i32.mul (local.get $os) (i32.const 3))) (i32.add (i32.load offset=12 (local.get $bias)) (call $hsum (v128.load offset=96 (local.get $acc)))))
        (i32.store offset=4 (i32.add (local.get $o) (i32.mul (local.get $os) (i32.const 3))) (i32.add (i32.load offset=12 (local.get $bias)) (call $hsum (v128.load offset=112 (local.get $acc)))))
        (br_if $halves (i32.lt_u (local.tee $h (i32.add (local.get $h) (i32.const 1))) (i32.const 2))))
      (local.set $out (i32.add (local.get $out) (i32.const 16)))
      (br_if $group (i32.lt_u (local.tee $g (i32.add (local.get $g) (i32.const 1))) (local.get $groups)))))

  ;; ------------------------------------------------------------------ float

  ;; Float weights, one token, four rows at once, `steps` steps of 8 inputs:
  ;; out[4g + i] = Σ_j W · x. Two accumulators per row keep eight multiply-add
  ;; chains in flight (one chain would wait on the previous add).
  (func $fgemv32 (param $w i32) (param $groups i32) (param $steps i32) (param $rowBytes i32) (param $x i32) (param $out i32)
    (local $g i32) (local $s i32) (local $xp i32) (local $w1 i32) (local $w2 i32) (local $w3 i32)
    (local $x0 v128) (local $x1 v128) (local $zero v128)
    (local $a00 v128) (local $a01 v128) (local $a10 v128) (local $a11 v128)
    (local $a20 v128) (local $a21 v128) (local $a30 v128) (local $a31 v128)
    (if (i32.eqz (local.get $groups)) (then (return)))
    (loop $group
      (local.set $w1 (i32.add (local.get $w) (local.get $rowBytes)))
      (local.set $w2 (i32.add (local.get $w1) (local.get $rowBytes)))
      (local.set $w3 (i32.add (local.get $w2) (local.get $rowBytes)))
      (local.set $a00 (local.get $zero))
      (local.set $a01 (local.get $zero))
      (local.set $a10 (local.get $zero))
      (local.set $a11 (local.get $zero))
      (local.set $a20 (local.get $zero))
      (local.set $a21 (local.get $zero))
      (local.set $a30 (local.get $zero))
      (local.set $a31 (local.get $zero))
      (local.set $xp (local.get $x))
      (local.set $s (local.get $steps))
      (loop $step
        (local.set $x0 (v128.load offset=0 (local.get $xp)))
        (local.set $x1 (v128.load offset=16 (local.get $xp)))
        (local.set $a00 (f32x4.relaxed_madd (v128.load offset=0 (local.get $w)) (local.get $x0) (local.get $a00)))
        (local.set $a01 (f32x4.relaxed_madd (v128.load offset=16 (local.get $w)) (local.get $x1) (local.get $a01)))
        (local.set $a10 (f32x4.relaxed_madd (v128.load offset=0 (local.get $w1)) (local.get $x0) (local.get $a10)))
        (local.set $a11 (f32x4.relaxed_madd (v128.load offset=16 (local.get $w1)) (local.get $x1) (local.get $a11)))
        (local.set $a20 (f32x4.relaxed_madd (v128.load offset=0 (local.get $w2)) (local.get $x0) (local.get $a20)))
        (local.set $a21 (f32x4.relaxed_madd (v128.load offset=16 (local.get $w2)) (local.get $x1) (local.get $a21)))
        (local.set $a30 (f32x4.relaxed_madd (v128.load offset=0 (local.get $w3)) (local.get $x0) (local.get $a30)))
        (local.set $a31 (f32x4.relaxed_madd (v128.load offset=16 (local.get $w3)) (local.get $x1) (local.get $a31)))
        (local.set $w (i32.add (local.get $w) (i32.const 32)))
        (local.set $w1 (i32.add (local.get $w1) (i32.const 32)))
        (local.set $w2 (i32.add (local.get $w2) (i32.const 32)))
        (local.set $w3 (i32.add (local.get $w3) (i32.const 32)))
        (local.set $xp (i32.add (local.get $xp) (i32.const 32)))
        (br_if $step (local.tee $s (i32.sub (local.get $s) (i32.const 1)))))
      (f32.store offset=0 (local.get $out) (call $hsumf (f32x4.add (local.get $a00) (local.get $a01))))
      (f32.store offset=4 (local.get $out) (call $hsumf (f32x4.add (local.get $a10) (local.get $a11))))
      (f32.store offset=8 (local.get $out) (call $hsumf (f32x4.add (local.get $a20) (local.get $a21))))
      (f32.store offset=12 (local.get $out) (call $hsumf (f32x4.add (local.get $a30) (local.get $a31))))
      (local.set $w (local.get $w3))
      (local.set $out (i32.add (local.get $out) (i32.const 16)))
      (br_if $group (i32.lt_u (local.tee $g (i32.add (local.get $g) (i32.const 1))) (local.get $groups)))))

  ;; The same for IEEE half weights, 8 per 16-byte load, converted exactly
  ;; (normals and subnormals; the caller refuses Inf/NaN weights) without
  ;; shuffles: viewed as four 32-bit lanes, the even halves sit in the low 16
  ;; bits and the odd ones in the high 16, so shifts move each half's exponent
  ;; and mantissa into float32 position, a multiply by 2^112 (the bias
  ;; difference 127 − 15) rebiases, and the sign is or-ed back. The caller
  ;; stages x de-interleaved to match: per 8 inputs, x0 x2 x4 x6 | x1 x3 x5 x7.
  (func $fgemvF16 (param $w i32) (param $groups i32) (param $steps i32) (param $rowBytes i32) (param $x i32) (param $out i32)
    (local $g i32) (local $s i32) (local $xp i32) (local $w1 i32) (local $w2 i32) (local $w3 i32)
    (local $x0 v128) (local $x1 v128) (local $h v128) (local $zero v128)
    (local $magMask v128) (local $signMask v128) (local $rebias v128)
    (local $a00 v128) (local $a01 v128) (local $a10 v128) (local $a11 v128)
    (local $a20 v128) (local $a21 v128) (local $a30 v128) (local $a31 v128)
    (if (i32.eqz (local.get $groups)) (then (return)))
    (local.set $magMask (i32x4.splat (i32.const 0x0fffe000)))
    (local.set $signMask (i32x4.splat (i32.const 0x80000000)))
    (local.set $rebias (f32x4.splat (f32.const 0x1p112)))
    (loop $group
      (local.set $w1 (i32.add (local.get $w) (local.get $rowBytes)))
      (local.set $w2 (i32.add (local.get $w1) (local.get $rowBytes)))
      (local.set $w3 (i32.add (local.get $w2) (local.get $rowBytes)))
      (local.set $a00 (local.get $zero))
      (local.set $a01 (local.get $zero))
      (local.set $a10 (local.get $zero))
      (local.set $a11 (local.get $zero))
      (local.set $a20 (local.get $zero))
      (local.set $a21 (local.get $zero))
      (local.set $a30 (local.get $zero))
      (local.set $a31 (local.get $zero))
      (local.set $xp (local.get $x))
      (local.set $s (local.get $steps))
      (loop $step
        (local.set $x0 (v128.load offset=0 (local.get $xp)))
        (local.set $x1 (v128.load offset=16 (local.get $xp)))
        (local.set $h (v128.load (local.get $w)))
        (local.set $a00 (f32x4.relaxed_madd (v128.or
          (f32x4.mul (v128.and (i32x4.shl (local.get $h) (i32.const 13)) (local.get $magMask)) (local.get $rebias))
          (v128.and (i32x4.shl (local.get $h) (i32.const 16)) (local.get $signMask))) (local.get $x0) (local.get $a00)))
        (local.set $a01 (f32x4.relaxed_madd (v128.or
          (f32x4.mul (v128.and (i32x4.shr_u (local.get $h) (i32.const 3)) (local.get $magMask)) (local.get $rebias))
          (v128.and (local.get $h) (local.get $signMask))) (local.get $x1) (local.get $a01)))
        (local.set $h (v128.load (local.get $w1)))
        (local.set $a10 (f32x4.relaxed_madd (v128.or
          (f32x4.mul (v128.and (i32x4.shl (local.get $h) (i32.const 13)) (local.get $magMask)) (local.get $rebias))
          (v128.and (i32x4.shl (local.get $h) (i32.const 16)) (local.get $signMask))) (local.get $x0) (local.get $a10)))
        (local.set $a11 (f32x4.relaxed_madd (v128.or
          (f32x4.mul (v128.and (i32x4.shr_u (local.get $h) (i32.const 3)) (local.get $magMask)) (local.get $rebias))
          (v128.and (local.get $h) (local.get $signMask))) (local.get $x1) (local.get $a11)))
        (local.set $h (v128.load (local.get $w2)))
        (local.set $a20 (f32x4.relaxed_madd (v128.or
          (f32x4.mul (v128.and (i32x4.shl (local.get $h) (i32.const 13)) (local.get $magMask)) (local.get $rebias))
          (v128.and (i32x4.shl (local.get $h) (i32.const 16)) (local.get $signMask))) (local.get $x0) (local.get $a20)))
        (local.set $a21 (f32x4.relaxed_madd (v128.or
          (f32x4.mul (v128.and (i32x4.shr_u (local.get $h) (i32.const 3)) (local.get $magMask)) (local.get $rebias))
          (v128.and (local.get $h) (local.get $signMask))) (local.get $x1) (local.get $a21)))
        (local.set $h (v128.load (local.get $w3)))
        (local.set $a30 (f32x4.relaxed_madd (v128.or
          (f32x4.mul (v128.and (i32x4.shl (local.get $h) (i32.const 13)) (local.get $magMask)) (local.get $rebias))
          (v128.and (i32x4.shl (local.get $h) (i32.const 16)) (local.get $signMask))) (local.get $x0) (local.get $a30)))
        (local.set $a31 (f32x4.relaxed_madd (v128.or
          (f32x4.mul (v128.and (i32x4.shr_u (local.get $h) (i32.const 3)) (local.get $magMask)) (local.get $rebias))
          (v128.and (local.get $h) (local.get $signMask))) (local.get $x1) (local.get $a31)))
        (local.set $w (i32.add (local.get $w) (i32.const 16)))
        (local.set $w1 (i32.add (local.get $w1) (i32.const 16)))
        (local.set $w2 (i32.add (local.get $w2) (i32.const 16)))
        (local.set $w3 (i32.add (local.get $w3) (i32.const 16)))
        (local.set $xp (i32.add (local.get $xp) (i32.const 32)))
        (br_if $step (local.tee $s (i32.sub (local.get $s) (i32.const 1)))))
      (f32.store offset=0 (local.get $out) (call $hsumf (f32x4.add (local.get $a00) (local.get $a01))))
      (f32.store offset=4 (local.get $out) (call $hsumf (f32x4.add (local.get $a10) (local.get $a11))))
      (f32.store offset=8 (local.get $out) (call $hsumf (f32x4.add (local.get $a20) (local.get $a21))))
      (f32.store offset=12 (local.get $out) (call $hsumf (f32x4.add (local.get $a30) (local.get $a31))))
      (local.set $w (local.get $w3))
      (local.set $out (i32.add (local.get $out) (i32.const 16)))
      (br_if $group (i32.lt_u (local.tee $g (i32.add (local.get $g) (i32.const 1))) (local.get $groups)))))

  ;; The same for bfloat16 weights: a bf16 is the high half of a float32, so
  ;; the even halves shifted up and the odd ones masked are float32 values
  ;; (x de-interleaved as for f16).
  (func $fgemvBf16 (param $w i32) (param $groups i32) (param $steps i32) (param $rowBytes i32) (param $x i32) (param $out i32)
    (local $g i32) (local $s i32) (local $xp i32) (local $w1 i32) (local $w2 i32) (local $w3 i32)
    (local $x0 v128) (local $x1 v128) (local $h v128) (local $zero v128) (local $hiMask v128)
    (local $a00 v128) (local $a01 v128) (local $a10 v128) (local $a11 v128)
    (local $a20 v128) (local $a21 v128) (local $a30 v128) (local $a31 v128)
    (if (i32.eqz (local.get $groups)) (then (return)))
    (local.set $hiMask (i32x4.splat (i32.const 0xffff0000)))
    (loop $group
      (local.set $w1 (i32.add (local.get $w) (local.get $rowBytes)))
      (local.set $w2 (i32.add (local.get $w1) (local.get $rowBytes)))
      (local.set $w3 (i32.add (local.get $w2) (local.get $rowBytes)))
      (local.set $a00 (local.get $zero))
      (local.set $a01 (local.get $zero))
      (local.set $a10 (local.get $zero))
      (local.set $a11 (local.get $zero))
      (local.set $a20 (local.get $zero))
      (local.set $a21 (local.get $zero))
      (local.set $a30 (local.get $zero))
      (local.set $a31 (local.get $zero))
      (local.set $xp (local.get $x))
      (local.set $s (local.get $steps))
      (loop $step
        (local.set $x0 (v128.load offset=0 (local.get $xp)))
        (local.set $x1 (v128.load offset=16 (local.get $xp)))
        (local.set $h (v128.load (local.get $w)))
        (local.set $a00 (f32x4.relaxed_madd (i32x4.shl (local.get $h) (i32.const 16)) (local.get $x0) (local.get $a00)))
        (local.set $a01 (f32x4.relaxed_madd (v128.and (local.get $h) (local.get $hiMask)) (local.get $x1) (local.get $a01)))
        (local.set $h (v128.load (local.get $w1)))
        (local.set $a10 (f32x4.relaxed_madd (i32x4.shl (local.get $h) (i32.const 16)) (local.get $x0) (local.get $a10)))
        (local.set $a11 (f32x4.relaxed_madd (v128.and (local.get $h) (local.get $hiMask)) (local.get $x1) (local.get $a11)))
        (local.set $h (v128.load (local.get $w2)))
        (local.set $a20 (f32x4.relaxed_madd (i32x4.shl (local.get $h) (i32.const 16)) (local.get $x0) (local.get $a20)))
        (local.set $a21 (f32x4.relaxed_madd (v128.and (local.get $h) (local.get $hiMask)) (local.get $x1) (local.get $a21)))
        (local.set $h (v128.load (local.get $w3)))
        (local.set $a30 (f32x4.relaxed_madd (i32x4.shl (local.get $h) (i32.const 16)) (local.get $x0) (local.get $a30)))
        (local.set $a31 (f32x4.relaxed_madd (v128.and (local.get $h) (local.get $hiMask)) (local.get $x1) (local.get $a31)))
        (local.set $w (i32.add (local.get $w) (i32.const 16)))
        (local.set $w1 (i32.add (local.get $w1) (i32.const 16)))
        (local.set $w2 (i32.add (local.get $w2) (i32.const 16)))
        (local.set $w3 (i32.add (local.get $w3) (i32.const 16)))
        (local.set $xp (i32.add (local.get $xp) (i32.const 32)))
        (br_if $step (local.tee $s (i32.sub (local.get $s) (i32.const 1)))))
      (f32.store offset=0 (local.get $out) (call $hsumf (f32x4.add (local.get $a00) (local.get $a01))))
      (f32.store offset=4 (local.get $out) (call $hsumf (f32x4.add (local.get $a10) (local.get $a11))))
      (f32.store offset=8 (local.get $out) (call $hsumf (f32x4.add (local.get $a20) (local.get $a21))))
      (f32.store offset=12 (local.get $out) (call $hsumf (f32x4.add (local.get $a30) (local.get $a31))))
      (local.set $w (local.get $w3))
      (local.set $out (i32.add (local.get $out) (i32.const 16)))
      (br_if $group (i32.lt_u (local.tee $g (i32.add (local.get $g) (i32.const 1))) (local.get $groups)))))

  ;; ------------------------------------------------------------------ threads
  ;;
  ;; A call is described in a control block of i32 words at $ctl (written by
  ;; the caller; workerPool.ts CTL names the same offsets):
  ;;   0 generation  1 completed (parts finished; at start-up: workers listening)
  ;;   2 op  3 w  4 groups  5 blocks/steps  6 x  7 xs  8 bias  9 out  10 os
  ;;   11 tokens  12 parts  13 rowBytes  14 groupBytes
  ;;   15 x4 (ternary, ≥ 4 tokens: the tokens in fours, interleaved by interleave4,
  ;;   blocks·256 bytes per four)  16 scratch (threads · (blocks · 2048 + 128) bytes)
  ;;   17 groupsPerPart  18 sleepers (workers asleep in the futex)
  ;;   19 waiter (1 while the caller sleeps on `completed`)  20–21 ticket (i64)
  ;; op: 1 ternary, 2 f32, 3 f16, 4 bf16, 5 read sweep, −1 stop.
  ;; A call is cut into `parts` runs of `groupsPerPart` row groups; part p takes
  ;; the row groups [p·gpp, min((p+1)·gpp, groups)) for every token, walking
  ;; them in tiles of 8 groups (32 rows) so a batch reuses each tile's weights
  ;; from cache; with four tokens or more the tile is decoded once ($decode4)
  ;; for all of them (a decoded 8-group tile is 128 KiB at 4096 inputs, at home
  ;; in L2; 16 groups ran a quarter slower). `slot` picks the thread's scratch.
  ;; Parts are claimed, not assigned (see $drive), so which thread computes a
  ;; row never changes its value: every row is computed whole by one thread.

  (func $run (export "run") (param $ctl i32) (param $part i32) (param $slot i32)
    (local $op i32) (local $w i32) (local $groups i32) (local $blocks i32) (local $x i32) (local $xs i32)
    (local $bias i32) (local $out i32) (local $os i32) (local $tokens i32) (local $n i32) (local $rowBytes i32) (local $gb i32)
    (local $g0 i32) (local $g1 i32) (local $gt i32) (local $gn i32) (local $wt i32) (local $ot i32) (local $t i32)
    (local $x4 i32) (local $dec i32)
    (local.set $op (i32.load offset=8 (local.get $ctl)))
    (local.set $w (i32.load offset=12 (local.get $ctl)))
    (local.set $groups (i32.load offset=16 (local.get $ctl)))
    (local.set $blocks (i32.load offset=20 (local.get $ctl)))
    (local.set $x (i32.load offset=24 (local.get $ctl)))
    (local.set $xs (i32.load offset=28 (local.get $ctl)))
    (local.set $bias (i32.load offset=32 (local.get $ctl)))
    (local.set $out (i32.load offset=36 (local.get $ctl)))
    (local.set $os (i32.load offset=40 (local.get $ctl)))
    (local.set $tokens (i32.load offset=44 (local.get $ctl)))
    (local.set $n (i32.load offset=68 (local.get $ctl)))
    (local.set $rowBytes (i32.load offset=52 (local.get $ctl)))
    (local.set $gb (i32.load offset=56 (local.get $ctl)))
    (local.set $x4 (i32.load offset=60 (local.get $ctl)))
    ;; this thread's scratch: a decoded tile (8 row groups · 4 rows · 64 inputs per block), then 128 bytes of int32 lanes
    (local.set $dec (i32.add (i32.load offset=64 (local.get $ctl))
      (i32.mul (local.get $slot) (i32.add (i32.shl (local.get $blocks) (i32.const 11)) (i32.const 128)))))
    ;; $n: row groups per part
    (local.set $g0 (i32.mul (local.get $part) (local.get $n)))
    (local.set $g1 (i32.add (local.get $g0) (local.get $n)))
    (if (i32.gt_u (local.get $g1) (local.get $groups)) (then (local.set $g1 (local.get $groups))))
    (if (i32.eq (local.get $op) (i32.const 5))
      (then
        ;; read sweep: `groups` = bytes / 64 split like rows; the xor lands in out[slot]
        (i32.store (i32.add (local.get $out) (i32.shl (local.get $slot) (i32.const 2)))
          (call $read (i32.add (local.get $w) (i32.shl (local.get $g0) (i32.const 6)))
                      (i32.shl (i32.sub (local.get $g1) (local.get $g0)) (i32.const 6))))
        (return)))
    (local.set $gt (local.get $g0))
    (block $done
      (loop $tile
        (br_if $done (i32.ge_u (local.get $gt) (local.get $g1)))
        (local.set $gn (i32.sub (local.get $g1) (local.get $gt)))
        (if (i32.gt_u (local.get $gn) (i32.const 8)) (then (local.set $gn (i32.const 8))))
        (local.set $wt (i32.add (local.get $w) (i32.mul (local.get $gt) (local.get $gb))))
        (local.set $ot (i32.add (local.get $out) (i32.shl (local.get $gt) (i32.const 4))))
        (local.set $t (i32.const 0))
        (if (i32.eq (local.get $op) (i32.const 1))
          (then
            (if (i32.ge_u (local.get $tokens) (i32.const 4))
              (then (call $decode4 (local.get $wt) (local.get $gn) (local.get $blocks) (local.get $dec))))
            (block $fours
              (loop $four
                (br_if $fours (i32.gt_u (i32.add (local.get $t) (i32.const 4)) (local.get $tokens)))
                (call $tgemm4d (local.get $dec) (local.get $gn) (local.get $blocks)
                  (i32.add (local.get $x4) (i32.mul (i32.shr_u (local.get $t) (i32.const 2)) (i32.shl (local.get $blocks) (i32.const 8))))
                  (i32.add (local.get $bias) (i32.shl (local.get $t) (i32.const 2)))
                  (i32.add (local.get $ot) (i32.mul (local.get $t) (local.get $os))) (local.get $os)
                  (i32.add (local.get $dec) (i32.shl (local.get $blocks) (i32.const 11))))
                (local.set $t (i32.add (local.get $t) (i32.const 4)))
                (br $four)))))
        (block $tokensDone
          (loop $token
            (br_if $tokensDone (i32.ge_u (local.get $t) (local.get $tokens)))
            (if (i32.eq (local.get $op) (i32.const 1))
              (then (call $tgemv (local.get $wt) (local.get $gn) (local.get $blocks)
                      (i32.add (local.get $x) (i32.mul (local.get $t) (local.get $xs)))
                      (i32.load (i32.add (local.get $bias) (i32.shl (local.get $t) (i32.const 2))))
                      (i32.add (local.get $ot) (i32.mul (local.get $t) (local.get $os))))))
            (if (i32.eq (local.get $op) (i32.const 2))
              (then (call $fgemv32 (local.get $wt) (local.get $gn) (local.get $blocks) (local.get $rowBytes)
                      (i32.add (local.get $x) (i32.mul (local.get $t) (local.get $xs)))
                      (i32.add (local.get $ot) (i32.mul (local.get $t) (local.get $os))))))
            (if (i32.eq (local.get $op) (i32.const 3))
              (then (call $fgemvF16 (local.get $wt) (local.get $gn) (local.get $blocks) (local.get $rowBytes)
                      (i32.add (local.get $x) (i32.mul (local.get $t) (local.get $xs)))
                      (i32.add (local.get $ot) (i32.mul (local.get $t) (local.get $os))))))
            (if (i32.eq (local.get $op) (i32.const 4))
              (then (call $fgemvBf16 (local.get $wt) (local.get $gn) (local.get $blocks) (local.get $rowBytes)
                      (i32.add (local.get $x) (i32.mul (local.get $t) (local.get $xs)))
                      (i32.add (local.get $ot) (i32.mul (local.get $t) (local.get $os))))))
            (local.set $t (i32.add (local.get $t) (i32.const 1)))
            (br $token)))
        (local.set $gt (i32.add (local.get $gt) (local.get $gn)))
        (br $tile))))

  ;; Claim parts of call `gen` one at a time and run them until none is left
  ;; (or the call is no longer `gen`). The ticket is one i64: the call's
  ;; generation above, the next unclaimed part below; a part is claimed by a
  ;; compare-exchange of the ticket seen, so a thread that woke late or was
  ;; descheduled between two loads can never claim a part of a newer call, and
  ;; the control words it reads after a claim stay put until the part is
  ;; counted into `completed` (the caller waits for all of them). Whoever is
  ;; awake does the work: a sleeping or descheduled worker delays nothing.
  (func $drive (param $ctl i32) (param $gen i32) (param $slot i32)
    (local $t i64) (local $part i32)
    (loop $claim
      (local.set $t (i64.atomic.load offset=80 (local.get $ctl)))
      (if (i32.ne (i32.wrap_i64 (i64.shr_u (local.get $t) (i64.const 32))) (local.get $gen)) (then (return)))
      (local.set $part (i32.wrap_i64 (local.get $t)))
      (if (i32.ge_u (local.get $part) (i32.atomic.load offset=48 (local.get $ctl))) (then (return)))
      (if (i64.eq (i64.atomic.rmw.cmpxchg offset=80 (local.get $ctl) (local.get $t) (i64.add (local.get $t) (i64.const 1))) (local.get $t))
        (then
          (call $run (local.get $ctl) (local.get $part) (local.get $slot))
          (drop (i32.atomic.rmw.add offset=4 (local.get $ctl) (i32.const 1)))
          ;; wake the caller only if it went to sleep (it spins first)
          (if (i32.atomic.load offset=76 (local.get $ctl))
            (then (drop (memory.atomic.notify offset=4 (local.get $ctl) (i32.const 1)))))))
      (br $claim)))

  ;; The caller's side of a call whose words are written: open it (completed 0,
  ;; ticket at part 0 of the next generation, then the generation word the
  ;; workers watch), wake the workers that sleep if `wake` — none sleep while
  ;; calls come close together — and run parts until none is left. The caller
  ;; then waits (workerPool.ts) until `completed` reaches `parts`.
  (func (export "start") (param $ctl i32) (param $slot i32) (param $wake i32)
    (local $gen i32)
    (local.set $gen (i32.add (i32.atomic.load (local.get $ctl)) (i32.const 1)))
    (i32.atomic.store offset=4 (local.get $ctl) (i32.const 0))
    (i64.atomic.store offset=80 (local.get $ctl) (i64.shl (i64.extend_i32_u (local.get $gen)) (i64.const 32)))
    (i32.atomic.store (local.get $ctl) (local.get $gen))
    (if (i32.and (local.get $wake) (i32.ne (i32.atomic.load offset=72 (local.get $ctl)) (i32.const 0)))
      (then (drop (memory.atomic.notify (local.get $ctl) (i32.const -1)))))
    (call $drive (local.get $ctl) (local.get $gen) (local.get $slot)))

  ;; A worker thread's life: wait for the generation word to move, take parts
  ;; of that call, repeat until op −1. It spins for `spinUs` microseconds
  ;; before sleeping in the futex, because decode issues calls microseconds
  ;; apart and a futex wake-up costs tens of microseconds (and, on a busy
  ;; machine, can land the woken thread on the caller's core); asleep, it
  ;; counts itself in `sleepers`, so the caller pays for a wake-up only when
  ;; one is needed (the count is raised before the futex rechecks the
  ;; generation word, and the caller stores that word before reading the
  ;; count: one of the two sees the other).
  (func (export "worker") (param $ctl i32) (param $id i32) (param $spinUs i32)
    (local $seen i32) (local $k i32) (local $until f64)
    (local.set $seen (i32.atomic.load (local.get $ctl)))
    ;; tell the caller this thread is listening
    (drop (i32.atomic.rmw.add offset=4 (local.get $ctl) (i32.const 1)))
    (loop $next
      (local.set $until (f64.add (call $now) (f64.div (f64.convert_i32_u (local.get $spinUs)) (f64.const 1000))))
      (block $moved
        (loop $wait
          (br_if $moved (i32.ne (i32.atomic.load (local.get $ctl)) (local.get $seen)))
          ;; the clock is read every 256 loads (a read costs tens of loads)
          (local.set $k (i32.add (local.get $k) (i32.const 1)))
          (if (i32.eqz (i32.and (local.get $k) (i32.const 255)))
            (then
              (if (f64.gt (call $now) (local.get $until))
                (then
                  (drop (i32.atomic.rmw.add offset=72 (local.get $ctl) (i32.const 1)))
                  (drop (memory.atomic.wait32 (local.get $ctl) (local.get $seen) (i64.const -1)))
                  (drop (i32.atomic.rmw.sub offset=72 (local.get $ctl) (i32.const 1)))))))
          (br $wait)))
      (local.set $seen (i32.atomic.load (local.get $ctl)))
      (if (i32.eq (i32.atomic.load offset=8 (local.get $ctl)) (i32.const -1)) (then (return)))
      (call $drive (local.get $ctl) (local.get $seen) (local.get $id))
      (br $next)))

  ;; Bandwidth probe: read n bytes (multiple of 64) with v128 loads; the xor of
  ;; everything is returned so the loads cannot be optimized away.
  (func $read (export "read") (param $src i32) (param $n i32) (result i32)
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
)
