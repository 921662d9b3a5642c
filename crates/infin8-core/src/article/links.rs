//! Internal links within a topic cluster: each spoke links to its hub (the pillar page) and to a
//! few sibling spokes, and the hub links to its spokes, with the target's keyword as anchor text.

use super::assemble::{InternalLink, LinkRelation};
use super::render::source_href;
use serde::{Deserialize, Serialize};

/// Most sibling links a spoke gets.
pub const MAX_SIBLING_LINKS: usize = 3;

/// Whether internal links are inserted into articles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InternalLinking {
    /// Computed, stored with the article (`provenance.internal_links`) and inserted.
    #[default]
    Insert,
    /// Computed and stored as suggestions only, for a person to approve before insertion.
    Suggest,
    /// Not computed.
    Off,
}

/// An article of the workflow that links may point to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkTarget {
    /// Its keyword (the anchor text).
    pub keyword: String,
    /// Its slug.
    pub slug: String,
    /// Whether it is its cluster's hub.
    pub is_hub: bool,
    /// Its cluster (the hub keyword's id, as text).
    pub cluster: String,
    /// Its published URL, once known.
    pub published_url: Option<String>,
}

/// The URL to link `target` with: its published `http(s)` URL once known, else its canonical URL
/// under `base`, else the relative `/{slug}/`.
#[must_use]
pub fn target_href(target: &LinkTarget, base: Option<&str>) -> String {
    if let Some(url) = target.published_url.as_deref().and_then(source_href) {
        return url;
    }
    let base = base
        .and_then(|b| url::Url::parse(&if b.ends_with('/') { b.to_string() } else { format!("{b}/") }).ok())
        .filter(|u| matches!(u.scheme(), "http" | "https"));
    match base.and_then(|b| b.join(&format!("{}/", target.slug)).ok()) {
        Some(url) => url.to_string(),
        None => format!("/{}/", target.slug),
    }
}

/// The internal links of the article `this` (one of `all`): a spoke links to its hub, then to up
/// to [`MAX_SIBLING_LINKS`] sibling spokes (in `all`'s order); a hub links to all its spokes.
///
/// ```
/// use infin8_core::article::links::{LinkTarget, internal_links};
/// use infin8_core::article::assemble::LinkRelation;
/// let t = |k: &str, hub: bool| LinkTarget { keyword: k.into(), slug: k.replace(' ', "-"), is_hub: hub, cluster: "c1".into(), published_url: None };
/// let all = vec![t("crm software", true), t("crm pricing", false), t("crm for startups", false)];
/// let links = internal_links(&all[1], &all, Some("https://example.com/blog/"));
/// assert_eq!(links[0].relation, LinkRelation::Hub);
/// assert_eq!(links[0].href, "https://example.com/blog/crm-software/");
/// assert_eq!(links[1].anchor, "crm for startups");
/// assert_eq!(internal_links(&all[0], &all, None).len(), 2);
/// ```
#[must_use]
pub fn internal_links(this: &LinkTarget, all: &[LinkTarget], base: Option<&str>) -> Vec<InternalLink> {
    let same_cluster = all.iter().filter(|t| t.cluster == this.cluster && t.slug != this.slug);
    let link = |t: &LinkTarget, relation| InternalLink {
        anchor: t.keyword.clone(),
        href: target_href(t, base),
        relation,
    };
    if this.is_hub {
        return same_cluster.filter(|t| !t.is_hub).map(|t| link(t, LinkRelation::Spoke)).collect();
    }
    let mut out: Vec<InternalLink> =
        same_cluster.clone().filter(|t| t.is_hub).map(|t| link(t, LinkRelation::Hub)).collect();
    out.extend(
        same_cluster.filter(|t| !t.is_hub).take(MAX_SIBLING_LINKS).map(|t| link(t, LinkRelation::Sibling)),
    );
    out
}

/// Removes the related-articles entries linking to `hrefs` (targets that were not published, so
/// the links would lead nowhere); the related-articles block goes when no entry is left.
#[must_use]
pub fn drop_links(content_html: &str, hrefs: &[String]) -> String {
    if hrefs.is_empty() {
        return content_html.to_string();
    }
    let attrs: Vec<String> = hrefs.iter().map(|h| format!("href=\"{}\"", h.replace('&', "&amp;"))).collect();
    let kept: Vec<&str> = content_html
        .split_inclusive('\n')
        .filter(|l| !(l.starts_with("<li>") && attrs.iter().any(|a| l.contains(a.as_str()))))
        .collect();
    let mut out = String::with_capacity(content_html.len());
    let mut aside: Vec<&str> = Vec::new();
    for line in kept {
        if line.starts_with("<aside class=\"related\">") || !aside.is_empty() {
            aside.push(line);
            if line.starts_with("</aside>") {
                if aside.iter().any(|l| l.starts_with("<li>")) {
                    out.extend(aside.drain(..));
                } else {
                    aside.clear();
                }
            }
        } else {
            out.push_str(line);
        }
    }
    out.extend(aside);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(k: &str, hub: bool, cluster: &str) -> LinkTarget {
        LinkTarget {
            keyword: k.into(),
            slug: k.replace(' ', "-"),
            is_hub: hub,
            cluster: cluster.into(),
            published_url: None,
        }
    }

    #[test]
    fn hub_and_spokes_link_both_ways_within_their_cluster_only() {
        let all = vec![
            t("a", true, "1"),
            t("a1", false, "1"),
            t("a2", false, "1"),
            t("a3", false, "1"),
            t("a4", false, "1"),
            t("a5", false, "1"),
            t("b", true, "2"),
            t("b1", false, "2"),
        ];
        let hub = internal_links(&all[0], &all, None);
        assert_eq!(hub.iter().map(|l| l.anchor.as_str()).collect::<Vec<_>>(), ["a1", "a2", "a3", "a4", "a5"]);
        assert!(hub.iter().all(|l| l.relation == LinkRelation::Spoke && l.href.starts_with("/a")));
        let spoke = internal_links(&all[1], &all, None);
        assert_eq!(spoke.iter().map(|l| l.anchor.as_str()).collect::<Vec<_>>(), ["a", "a2", "a3", "a4"]);
        assert_eq!(internal_links(&all[7], &all, None)[0].anchor, "b");
    }

    #[test]
    fn links_to_unpublished_targets_are_dropped() {
        let html = "<p>x</p>\n<aside class=\"related\">\n<h2 id=\"related-articles\">Related articles</h2>\n<ul>\n<li>See also: <a href=\"/a/\">A</a></li>\n<li>See also: <a href=\"/b/\">B</a></li>\n</ul>\n</aside>\n<h2 id=\"references\">References</h2>\n";
        let one = drop_links(html, &["/a/".to_string()]);
        assert!(!one.contains("/a/") && one.contains("/b/") && one.contains("References"));
        let none = drop_links(html, &["/a/".to_string(), "/b/".to_string()]);
        assert_eq!(none, "<p>x</p>\n<h2 id=\"references\">References</h2>\n");
        assert_eq!(drop_links(html, &[]), html);
    }

    #[test]
    fn published_urls_win_when_they_are_web_urls() {
        let mut hub = t("a", true, "1");
        hub.published_url = Some("https://site.example/a-1/".into());
        assert_eq!(target_href(&hub, Some("https://x.example")), "https://site.example/a-1/");
        hub.published_url = Some("file:///tmp/a.html".into());
        assert_eq!(target_href(&hub, Some("https://x.example")), "https://x.example/a/");
        assert_eq!(target_href(&hub, Some("javascript:alert(1)")), "/a/");
    }
}
