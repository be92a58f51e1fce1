//! The harness's own fixtures, checked against the server: test photos that turn upright with
//! the server's orientation code, a PNG bomb that really claims its size, per-test database URLs.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use safesnap_tests::{photos, with_database};

#[test]
fn stored_pictures_turn_upright_with_the_servers_orientation() {
    // Cross-check the fixture against the server's own transform, for every orientation.
    let (w, h) = (8, 6);
    let upright = photos::quadrants(w, h);
    for o in 1..=8u8 {
        let (stored, sw, sh) = photos::stored_for(o, &upright, w, h);
        let back = server::photos::orient(&stored, sw as u32, sh as u32, o);
        assert_eq!(back, upright, "orientation {o}");
    }
}

#[test]
fn the_png_bomb_claims_its_size() {
    let bomb = photos::png_bomb(50_000, 50_000);
    let (w, h) =
        image::ImageReader::with_format(std::io::Cursor::new(&bomb), image::ImageFormat::Png)
            .into_dimensions()
            .unwrap();
    assert_eq!((w, h), (50_000, 50_000));
}

#[test]
fn the_database_name_is_replaced_in_the_url() {
    assert_eq!(
        with_database("postgres://postgres@127.0.0.1:5432/test", "x"),
        "postgres://postgres@127.0.0.1:5432/x"
    );
    assert_eq!(
        with_database("postgres://u:p@h/test?sslmode=disable", "x"),
        "postgres://u:p@h/x?sslmode=disable"
    );
    assert_eq!(with_database("postgres://h", "x"), "postgres://h/x");
}
