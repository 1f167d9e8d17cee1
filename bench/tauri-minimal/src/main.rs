//! One window showing `dist/index.html`, nothing else.
fn main() {
    if let Err(e) = tauri::Builder::default().run(tauri::generate_context!()) {
        eprintln!("tauri-minimal: {e}");
        std::process::exit(1);
    }
}
