//! The enterprise's steps: acknowledge the notice, report the rectification with after-photos,
//! ask once for more time. Each tells whoever holds the report on the union side.

mod acknowledge;
mod rectify;
mod request_extension;

pub use acknowledge::acknowledge;
pub use rectify::rectify;
pub use request_extension::request_extension;
