//! The WASM entry point. Pages are server-rendered; only `#[island]` components hydrate.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    // Pull the islands into the link so their `#[wasm_bindgen]` exports survive.
    #[allow(unused_imports)]
    use app::*;
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
}
