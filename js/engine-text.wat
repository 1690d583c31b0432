;; The decoder of js/engine-text.js's text, as a tiny wasm module of its own: a loop over 44 000
;; characters costs 3-4 ms in a cold JavaScript function (measured, Chromium), ~0.1 ms here.
;; The build (scripts/wasm-steps.mjs) assembles it, inlines its bytes beside the engine's text,
;; and checks that it gives back exactly the engine's bytes.
;;
;; decode(len): the text's `len` ASCII bytes are at address 0; the bytes they stand for are
;; written over them, from address 0 (never past what is still to be read: each character gives at
;; most one byte). Returns how many. Alphabet: printable ASCII without `"` (34), `\` (92), `|`
;; (124) and `~` (126), in order, so a character's value is its code minus 32, minus one for each
;; of those below it. `~x` is 91 + x's value, `|x` is 182 + x's value.
(module
  (memory (export "memory") 1)
  (func (export "decode") (param $len i32) (result i32)
    (local $i i32) (local $j i32) (local $c i32) (local $base i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
        (local.set $c (i32.load8_u (local.get $i)))
        (local.set $base (i32.const 0))
        ;; `|` (124) and `~` (126) are the only codes that are 126 with bit 1 set.
        (if (i32.eq (i32.or (local.get $c) (i32.const 2)) (i32.const 126))
          (then
            (local.set $base (select (i32.const 91) (i32.const 182) (i32.eq (local.get $c) (i32.const 126))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (local.set $c (i32.load8_u (local.get $i)))))
        (i32.store8 (local.get $j)
          (i32.sub
            (i32.add (local.get $base) (i32.sub (local.get $c) (i32.const 32)))
            (i32.add
              (i32.add (i32.gt_u (local.get $c) (i32.const 34)) (i32.gt_u (local.get $c) (i32.const 92)))
              (i32.gt_u (local.get $c) (i32.const 124)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $next)))
    (local.get $j)))
