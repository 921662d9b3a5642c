//! WordPress REST API v2 → [`Publisher`](infin8_core::provider::Publisher).
//!
//! - Auth: application passwords (WordPress ≥ 5.6), HTTP Basic with the user name.
//! - `create_post`: `POST /wp/v2/posts` with title, content HTML, excerpt, slug, status
//!   (`draft`, `publish`, `future` with `date_gmt`), categories and tags by name (looked up, and
//!   created when missing), plus our idempotency marker and meta.
//! - `update_post`: `POST /wp/v2/posts/{id}`.
//! - `find_post`: `GET /wp/v2/posts?search=<key token>&status=any&context=edit`, confirmed
//!   client-side.
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
//! /* Plugin Name: infin8 idempotency key */
//! add_action('init', function () {
//!     register_post_meta('post', 'infin8_idempotency_key', [
//!         'type' => 'string',
//!         'single' => true,
//!         'show_in_rest' => true,
//!         'auth_callback' => fn () => current_user_can('edit_posts'),
//!     ]);
//! });
//! ```

mod client;
mod config;
mod convert;
mod error;
mod wire;

pub use client::WordPressClient;
pub use config::WordPressConfig;
pub use convert::META_KEY;
