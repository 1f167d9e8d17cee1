//! Prints the built-in policy or price list, as shipped in `docs/`:
//! `cargo run -p recoup-core --example default_documents -- policy > docs/policy.default.json`.

fn main() {
    match std::env::args().nth(1).as_deref() {
        Some("policy") => println!("{}", recoup_core::Policy::builtin().to_json()),
        Some("prices") => println!("{}", recoup_core::PriceList::builtin().to_json()),
        _ => {
            eprintln!("usage: default_documents policy|prices");
            std::process::exit(2);
        }
    }
}
