//! WordPress REST API v2 → [`Publisher`](infin8_core::provider::Publisher).
//!
//! - Auth: application passwords (WordPress ≥ 5.6), HTTP Basic with the user name.
//! - `preflight`: `GET /wp/v2/users/me?context=edit` — the credentials authenticate, and the user
//!   may create posts (`edit_posts`); it reports whether the user may publish (`publish_posts`) and
//!   create categories (`manage_categories`).
//! - `create_post`: `POST /wp/v2/posts` with title, content HTML, excerpt, slug, status (`draft`,
//!   `publish`, `future` with `date_gmt` — whatever the engine's `post_status` says; draft by
//!   default), categories and tags by name (matched case- and entity-insensitively, created when
//!   missing), our idempotency marker and meta, and the meta title and description in the post
//!   meta keys the SEO plugins read (below). The returned post's status is reported as WordPress
//!   says it is.
//! - `update_post`: `POST /wp/v2/posts/{id}`.
//! - `find_post`: `GET /wp/v2/posts?search=<key token>&status=any&context=edit`, confirmed
//!   client-side.
//!
//! ## SEO meta title and description
//!
//! Sent in `meta` under [`WordPressConfig::seo_title_keys`] and
//! [`WordPressConfig::seo_description_keys`]; by default Yoast SEO's `_yoast_wpseo_title` and
//! `_yoast_wpseo_metadesc` and Rank Math's `rank_math_title` and `rank_math_description`
//! ([`DEFAULT_SEO_TITLE_KEYS`], [`DEFAULT_SEO_DESCRIPTION_KEYS`]; environment:
//! `WORDPRESS_SEO_TITLE_KEYS`, `WORDPRESS_SEO_DESCRIPTION_KEYS`, comma-separated, `none` for none).
//! Neither plugin registers these keys for the REST API, and WordPress silently drops meta keys
//! that are not registered: the mu-plugin below registers them (the client warns once when a site
//! dropped them).
//!
//! ## Why a marker, and the optional mu-plugin
//!
//! On a stock WordPress 6.x a duplicate slug is not an error (the second post silently becomes
//! `slug-2`), unregistered post meta is silently dropped, the REST API cannot filter posts by
//! meta, and `?slug=` sees only published posts. So the key travels as an invisible HTML comment
//! in the content, which `search=` finds in every status. Where the site registers the meta key
//! below, the key is also stored there and matched exactly (e.g. if an editor removes the
//! comment). Drop this file into `wp-content/mu-plugins/infin8.php`:
//!
//! ```php
//! <?php
//! /* Plugin Name: infin8 idempotency key and SEO meta */
//! add_action('init', function () {
//!     $keys = [
//!         'infin8_idempotency_key',
//!         '_yoast_wpseo_title', '_yoast_wpseo_metadesc',   // Yoast SEO
//!         'rank_math_title', 'rank_math_description',      // Rank Math
//!     ];
//!     foreach ($keys as $key) {
//!         register_post_meta('post', $key, [
//!             'type' => 'string',
//!             'single' => true,
//!             'show_in_rest' => true,
//!             'sanitize_callback' => 'sanitize_text_field',
//!             'auth_callback' => fn () => current_user_can('edit_posts'),
//!         ]);
//!     }
//! });
//! ```

mod client;
mod config;
mod convert;
mod error;
#[cfg(test)]
mod fuzz;
mod wire;

pub use client::WordPressClient;
pub use config::{DEFAULT_SEO_DESCRIPTION_KEYS, DEFAULT_SEO_TITLE_KEYS, WordPressConfig};
pub use convert::META_KEY;
