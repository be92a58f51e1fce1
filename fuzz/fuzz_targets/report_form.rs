//! The report upload as the server reads it: a multipart body (any bytes, under a fixed
//! boundary) through the same reader the API and the form use, then the report's validation.
#![no_main]

use axum::{
    body::Body,
    extract::{FromRequest, Multipart, Request},
};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap_or_else(|e| panic!("runtime: {e}"))
    })
}

fuzz_target!(|data: &[u8]| {
    runtime().block_on(async {
        let Ok(req) = Request::builder()
            .method("POST")
            .header("content-type", "multipart/form-data; boundary=X")
            .body(Body::from(data.to_vec()))
        else {
            return;
        };
        let Ok(multipart) = Multipart::from_request(req, &()).await else {
            return;
        };
        let lang = app::i18n::Lang::ZhCn;
        if let Ok(sub) =
            server::api::reports::read(multipart, lang, app::backend::reports::Via::App).await
        {
            assert!(sub.photos.len() <= app::domain::report::MAX_PHOTOS);
            let _ = sub.raw.validate(lang);
        }
    });
});
