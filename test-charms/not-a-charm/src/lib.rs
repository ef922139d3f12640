//! A component of another world: it exports `greet`, not the charm world's `handle`.

wit_bindgen::generate!({
    inline: "package acme:greeter; world greeter { export greet: func() -> string; }",
});

struct Greeter;

impl Guest for Greeter {
    fn greet() -> String {
        "hello".into()
    }
}

export!(Greeter);
