//! A component that imports an interface no charm host provides (`acme:widgets/gadget`).

wit_bindgen::generate!({
    inline: "package acme:widgets; interface gadget { spin: func() -> u32; } world odd { import gadget; export run: func() -> u32; }",
});

struct Odd;

impl Guest for Odd {
    fn run() -> u32 {
        acme::widgets::gadget::spin()
    }
}

export!(Odd);
