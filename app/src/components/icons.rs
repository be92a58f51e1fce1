//! Inline SVG icons (decorative: the text next to them carries the meaning).

use leptos::prelude::*;

/// Which icon to draw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Icon {
    Camera,
    Reports,
    Sun,
    User,
}

#[component]
pub fn IconSvg(icon: Icon) -> impl IntoView {
    let paths = match icon {
        Icon::Camera => view! {
            <path d="M4 8h3l2-3h6l2 3h3v11H4z"/>
            <circle cx="12" cy="13" r="3.5"/>
        }
        .into_any(),
        Icon::Reports => view! {
            <path d="M6 3h9l4 4v14H6z"/>
            <path d="M9 9h4M9 13h7M9 17h7"/>
        }
        .into_any(),
        Icon::Sun => view! {
            <circle cx="12" cy="12" r="4"/>
            <path d="M12 2v2M12 20v2M4.9 4.9l1.4 1.4M17.7 17.7l1.4 1.4M2 12h2M20 12h2M4.9 19.1l1.4-1.4M17.7 6.3l1.4-1.4"/>
        }
        .into_any(),
        Icon::User => view! {
            <circle cx="12" cy="8" r="4"/>
            <path d="M4 21c0-4 4-6 8-6s8 2 8 6"/>
        }
        .into_any(),
    };
    view! {
        <svg class="icon" viewBox="0 0 24 24" width="24" height="24" aria-hidden="true" focusable="false"
            fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">
            {paths}
        </svg>
    }
}
