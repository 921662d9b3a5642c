//! Rendering a model's Markdown into safe HTML: [pulldown-cmark] for Markdown, [ammonia] for an
//! allow-list sanitizer, and numbered citations (`[n]`) found in text nodes only.
//!
//! The model's text is untrusted (researched web pages can steer it), so everything it writes goes
//! through [`sanitize`]: only the tags of [`ALLOWED_TAGS`] survive, links keep `href`/`title`
//! only, and a link survives only with an `http`, `https` or `mailto` scheme or a relative URL
//! (internal links). Scripts and styles are dropped with their content, every other disallowed
//! tag is unwrapped (its text kept, escaped), comments are dropped, and the output is balanced.
//! Nothing here slices a string at an offset found in a case-changed copy of it.

use ammonia::{Builder, UrlRelative};
use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

/// The tags model output may use (headings are demoted below the section's `<h2>`).
pub const ALLOWED_TAGS: &[&str] = &[
    "p",
    "br",
    "h3",
    "h4",
    "h5",
    "h6",
    "strong",
    "em",
    "b",
    "i",
    "u",
    "s",
    "del",
    "mark",
    "small",
    "sub",
    "sup",
    "blockquote",
    "q",
    "cite",
    "ul",
    "ol",
    "li",
    "dl",
    "dt",
    "dd",
    "a",
    "code",
    "pre",
    "kbd",
    "abbr",
    "table",
    "thead",
    "tbody",
    "tfoot",
    "tr",
    "th",
    "td",
    "caption",
    "hr",
    "figure",
    "figcaption",
];

/// The link schemes allowed (relative URLs are allowed too).
pub const ALLOWED_SCHEMES: &[&str] = &["http", "https", "mailto"];

/// Attributes allowed per tag in model output.
fn untrusted_attributes() -> HashMap<&'static str, HashSet<&'static str>> {
    HashMap::from([
        ("a", HashSet::from(["href", "title"])),
        ("abbr", HashSet::from(["title"])),
        ("th", HashSet::from(["colspan", "rowspan", "scope"])),
        ("td", HashSet::from(["colspan", "rowspan"])),
        ("ol", HashSet::from(["start"])),
    ])
}

/// Relative URLs pass unless their first segment holds a colon (`ßjavascript:x` is relative to
/// a URL parser, but reads like a scheme to people and older parsers: dropped).
fn relative_url(url: &str) -> Option<std::borrow::Cow<'_, str>> {
    let first = url.split(['/', '?', '#']).next().unwrap_or("");
    (!first.contains(':') && !url.chars().any(char::is_control)).then_some(std::borrow::Cow::Borrowed(url))
}

/// The sanitizer for untrusted (model) HTML.
static UNTRUSTED: LazyLock<Builder<'static>> = LazyLock::new(|| {
    let mut b = Builder::empty();
    b.tags(ALLOWED_TAGS.iter().copied().collect())
        .tag_attributes(untrusted_attributes())
        .generic_attributes(HashSet::new())
        .url_schemes(ALLOWED_SCHEMES.iter().copied().collect())
        .url_relative(UrlRelative::Custom(Box::new(relative_url)))
        .link_rel(Some("nofollow noopener"))
        .strip_comments(true);
    b
});

/// The sanitizer for an assembled article: the same allow-list plus the `<h2>` of sections and
/// the anchors (`id`), classes and `rel` that assembly itself writes. Model text has already lost
/// any `id`/`class`/`rel` in [`sanitize`] before it gets here.
static DOCUMENT: LazyLock<Builder<'static>> = LazyLock::new(|| {
    let mut attributes = untrusted_attributes();
    attributes.insert("a", HashSet::from(["href", "title", "rel"]));
    for tag in ["h2", "h3", "li", "sup", "section", "nav", "p", "ol", "ul", "aside"] {
        attributes.entry(tag).or_default().extend(["id", "class"]);
    }
    let mut tags: HashSet<&'static str> = ALLOWED_TAGS.iter().copied().collect();
    tags.extend(["h2", "section", "nav", "aside"]);
    let mut b = Builder::empty();
    b.tags(tags)
        .tag_attributes(attributes)
        .generic_attributes(HashSet::new())
        .url_schemes(ALLOWED_SCHEMES.iter().copied().collect())
        .url_relative(UrlRelative::Custom(Box::new(relative_url)))
        .link_rel(None)
        .strip_comments(true);
    b
});

/// Sanitizes untrusted HTML with the allow-list of this module (see the [module docs](self)).
///
/// ```
/// use infin8_core::article::render::sanitize;
/// let html = sanitize(r#"<p onclick="x()">Hi <a href="javascript:alert(1)">there</a></p><script>x()</script>"#);
/// assert_eq!(html, r#"<p>Hi <a rel="nofollow noopener">there</a></p>"#);
/// ```
#[must_use]
pub fn sanitize(html: &str) -> String {
    UNTRUSTED.clean(html).to_string()
}

/// Sanitizes an assembled article (trusted structure around already sanitized model text).
#[must_use]
pub(crate) fn sanitize_document(html: &str) -> String {
    DOCUMENT.clean(html).to_string()
}

/// The URL to link a source with: an absolute `http`/`https` URL, normalized; `None` for anything
/// else (`javascript:`, `data:`, `file:`, relative or unparsable), which is then shown unlinked.
///
/// ```
/// use infin8_core::article::render::source_href;
/// assert_eq!(source_href(" https://Example.com/a b").as_deref(), Some("https://example.com/a%20b"));
/// assert_eq!(source_href("javascript:alert(1)"), None);
/// ```
#[must_use]
pub fn source_href(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url.trim()).ok()?;
    matches!(parsed.scheme(), "http" | "https").then(|| parsed.to_string())
}

/// Markdown rendered to (unsanitized) HTML, with every heading demoted below the section's own
/// `<h2>`: `#`/`##`/`###` become `<h3>`, deeper ones `<h4>`. Returns the HTML and how many
/// headings were changed.
#[must_use]
pub fn markdown_to_html(markdown: &str) -> (String, usize) {
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    let demote = |level: HeadingLevel| match level {
        HeadingLevel::H1 | HeadingLevel::H2 | HeadingLevel::H3 => HeadingLevel::H3,
        _ => HeadingLevel::H4,
    };
    let mut changed = 0;
    let events = Parser::new_ext(markdown, options).map(|event| match event {
        Event::Start(Tag::Heading { level, id, classes, attrs }) => {
            let to = demote(level);
            if to != level {
                changed += 1;
            }
            Event::Start(Tag::Heading { level: to, id, classes, attrs })
        }
        Event::End(TagEnd::Heading(level)) => Event::End(TagEnd::Heading(demote(level))),
        other => other,
    });
    let mut html = String::with_capacity(markdown.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events);
    (html, changed)
}

/// Why a model's section text cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SectionError {
    /// The model returned nothing (or only whitespace).
    #[error("the model returned an empty section")]
    Empty,
    /// The model returned markup without any words once sanitized.
    #[error("the section has no text once sanitized (only markup)")]
    NoText,
    /// The model stopped at its output limit and no complete paragraph was left.
    #[error("the section was cut at the model's output limit and no complete paragraph remains")]
    Truncated,
}

/// A section rendered from the model's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedSection {
    /// The model's text that was kept (trimmed; without a dropped partial paragraph).
    pub markdown: String,
    /// Sanitized HTML; citation markers are still text (`[n]`, numbered as the section's sources).
    pub html: String,
    /// The plain text.
    pub text: String,
    /// Words in the text.
    pub words: usize,
    /// Citation numbers in text, in order of first appearance.
    pub citations: Vec<usize>,
    /// Headings demoted below `<h2>` (an auto-fix).
    pub headings_demoted: usize,
    /// Whether an incomplete last paragraph (output cut at the model's limit) was dropped.
    pub dropped_partial: bool,
}

/// Renders a model's section (Markdown, which may contain HTML) into sanitized HTML. When
/// `cut_at_limit` (the model stopped at its token limit), the last paragraph is incomplete and
/// dropped, so nothing half-written is kept.
///
/// # Errors
/// [`SectionError`] for empty output, output that is only markup, or a cut section with no
/// complete paragraph.
pub fn render_section(markdown: &str, cut_at_limit: bool) -> Result<RenderedSection, SectionError> {
    let trimmed = markdown.trim();
    if trimmed.is_empty() {
        return Err(SectionError::Empty);
    }
    let mut source = trimmed.to_string();
    let mut dropped_partial = false;
    if cut_at_limit {
        match source.rfind("\n\n") {
            Some(at) => {
                source.truncate(at);
                dropped_partial = true;
            }
            None => return Err(SectionError::Truncated),
        }
    }
    let (html, headings_demoted) = markdown_to_html(&source);
    let html = sanitize(&html).trim().to_string();
    let text = super::plan::html_to_text(&html);
    let words = super::metrics::word_count(&super::plan::strip_citations(&text));
    if words == 0 {
        return Err(if dropped_partial { SectionError::Truncated } else { SectionError::NoText });
    }
    let citations = cited_numbers(&html);
    Ok(RenderedSection { markdown: source, html, text, words, citations, headings_demoted, dropped_partial })
}

/// The citation numbers (`[n]`) in the text nodes of `html` (not inside links or code), in order
/// of first appearance, each once.
#[must_use]
pub fn cited_numbers(html: &str) -> Vec<usize> {
    let mut citations = Vec::new();
    for_each_text(html, |t| {
        for n in super::plan::citations(t) {
            if !citations.contains(&n) {
                citations.push(n);
            }
        }
    });
    citations
}

/// Calls `f` with every text node of `html` (outside tags, quoted attribute values respected),
/// skipping text inside `<a>`, `<code>` and `<pre>`.
fn for_each_text(html: &str, mut f: impl FnMut(&str)) {
    let _ = map_text(html, |t| {
        f(t);
        t.to_string()
    });
}

/// Rewrites each text node of `html` with `f` (see [`for_each_text`]); tags are kept verbatim.
fn map_text(html: &str, mut f: impl FnMut(&str) -> String) -> String {
    let mut out = String::with_capacity(html.len() + html.len() / 4);
    let mut skip_depth = 0usize;
    let mut rest = html;
    while !rest.is_empty() {
        let Some(open) = rest.find('<') else {
            out.push_str(&if skip_depth == 0 { f(rest) } else { rest.to_string() });
            break;
        };
        let (text, tail) = rest.split_at(open);
        if !text.is_empty() {
            out.push_str(&if skip_depth == 0 { f(text) } else { text.to_string() });
        }
        // Find the tag's end, respecting quoted attribute values.
        let mut quote: Option<char> = None;
        let mut end = tail.len();
        for (i, c) in tail.char_indices().skip(1) {
            match (quote, c) {
                (Some(q), c) if c == q => quote = None,
                (Some(_), _) => {}
                (None, '"' | '\'') => quote = Some(c),
                (None, '>') => {
                    end = i + 1;
                    break;
                }
                _ => {}
            }
        }
        let (tag, after) = tail.split_at(end);
        let name: String = tag
            .trim_start_matches('<')
            .trim_start_matches('/')
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_ascii_lowercase();
        if matches!(name.as_str(), "a" | "code" | "pre") {
            if tag.starts_with("</") {
                skip_depth = skip_depth.saturating_sub(1);
            } else if !tag.ends_with("/>") {
                skip_depth += 1;
            }
        }
        out.push_str(tag);
        rest = after;
    }
    out
}

/// Rewrites the citation markers (`[n]`, `[n][m]`) of sanitized HTML's text nodes into links to
/// the references list: `map(n)` gives the reference number, and markers it gives `None` for are
/// removed (a dangling citation). Returns the HTML and the markers removed.
#[must_use]
pub fn link_citations(html: &str, map: impl Fn(usize) -> Option<usize>) -> (String, usize) {
    let mut removed = 0;
    let out = map_text(html, |text| {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(start) = rest.find('[') {
            let after = &rest[start + 1..];
            let number = after
                .find(']')
                .filter(|end| (1..=4).contains(end))
                .and_then(|end| after[..end].parse::<usize>().ok().map(|n| (n, end)));
            match number {
                Some((n, end)) => {
                    out.push_str(rest[..start].trim_end_matches(' '));
                    match map(n) {
                        Some(m) => out.push_str(&format!(
                            "<sup class=\"cite\"><a href=\"#ref-{m}\" title=\"Source {m}\">[{m}]</a></sup>"
                        )),
                        None => removed += 1,
                    }
                    rest = &after[end + 1..];
                }
                None => {
                    out.push_str(&rest[..=start]);
                    rest = after;
                }
            }
        }
        out.push_str(rest);
        out
    });
    (out, removed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Known attack strings (OWASP XSS filter evasion and friends), as HTML and as Markdown.
    const ATTACKS: &[&str] = &[
        "Visit İzmir.<script>x()</script>",
        "İİİİİ<SCRIPT>alert(1)</SCRIPT>ǅ<p>x",
        "<script>alert(1)</script>",
        "<SCRIPT SRC=http://xss.rocks/xss.js></SCRIPT>",
        "<scr<script>ipt>alert(1)</scr</script>ipt>",
        "<img src=x onerror=alert(1)>",
        "<IMG SRC=\"javascript:alert('XSS');\">",
        "<img src=\"data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+\">",
        "<a href=\"javascript:alert(1)\">x</a>",
        "<a href=\"JaVaScRiPt:alert(1)\">x</a>",
        "<a href=\"jav&#x09;ascript:alert(1)\">x</a>",
        "<a href=\"&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)\">x</a>",
        "<a href=\" javascript:alert(1)\">x</a>",
        "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">x</a>",
        "<a href=\"vbscript:msgbox(1)\">x</a>",
        "[click](javascript:alert(1))",
        "[click](data:text/html,<script>alert(1)</script>)",
        "[click]( javascript:alert(1) )",
        "[ref]\n\n[ref]: javascript:alert(1)",
        "![x](javascript:alert(1))",
        "<iframe src=\"https://evil.example\"></iframe>",
        "<svg/onload=alert(1)>",
        "<svg><script>alert(1)</script></svg>",
        "<math><mi xlink:href=\"javascript:alert(1)\">x</mi></math>",
        "<body onload=alert(1)>",
        "<div style=\"background:url(javascript:alert(1))\">x</div>",
        "<style>@import 'javascript:alert(1)';</style>",
        "<object data=\"javascript:alert(1)\"></object>",
        "<embed src=\"javascript:alert(1)\">",
        "<form action=\"javascript:alert(1)\"><button>x</button></form>",
        "<input onfocus=alert(1) autofocus>",
        "<details open ontoggle=alert(1)>",
        "<p title=\"</p><script>alert(1)</script>\">x</p>",
        "<!--<script>alert(1)</script>-->",
        "<![CDATA[<script>alert(1)</script>]]>",
        "<p><b><i>unbalanced",
        "</p></div></section>",
        "<a href=\"https://ok.example\" onclick=\"x()\" target=\"_blank\">ok</a>",
        "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
        "<base href=\"javascript:alert(1)//\">",
        "<link rel=stylesheet href=\"javascript:alert(1)\">",
        "<table background=\"javascript:alert(1)\"><tr><td>x</td></tr></table>",
        "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">",
        "<textarea><script>alert(1)</script></textarea>",
        "<a href=\"//evil.example/%0Aalert(1)\">x</a>",
        "```html\n<script>alert(1)</script>\n```",
        "`<img src=x onerror=alert(1)>`",
        "<h1>Title</h1><h2>Sub</h2>",
    ];

    /// The tags of `html` (quote-aware), each as its raw text.
    fn tags(html: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut current: Option<String> = None;
        let mut quote: Option<char> = None;
        for c in html.chars() {
            match (&mut current, quote, c) {
                (None, _, '<') => current = Some(String::from("<")),
                (None, _, _) => {}
                (Some(t), None, '>') => {
                    t.push('>');
                    out.push(std::mem::take(t));
                    current = None;
                }
                (Some(t), None, '"' | '\'') => {
                    t.push(c);
                    quote = Some(c);
                }
                (Some(t), Some(q), c) => {
                    t.push(c);
                    if c == q {
                        quote = None;
                    }
                }
                (Some(t), None, c) => t.push(c),
            }
        }
        out
    }

    /// Asserts a sanitized output holds nothing active: only allowed tags, only allowed
    /// attributes, and links with safe schemes (as a URL parser reads them).
    fn assert_safe(html: &str) {
        for tag in tags(html) {
            let inner = tag.trim_start_matches('<').trim_start_matches('/').trim_end_matches('>');
            let name: String =
                inner.chars().take_while(char::is_ascii_alphanumeric).collect::<String>().to_lowercase();
            assert!(
                ALLOWED_TAGS.contains(&name.as_str())
                    || ["h2", "section", "nav", "aside"].contains(&name.as_str()),
                "tag {name} in {html}"
            );
            // Attributes: name="value" pairs (html5ever always quotes with ").
            let mut rest = &inner[name.len()..];
            while let Some(eq) = rest.find("=\"") {
                let attr = rest[..eq].trim().to_lowercase();
                let after = &rest[eq + 2..];
                let end = after.find('"').expect("closing quote");
                let value = after[..end].replace("&amp;", "&");
                assert!(
                    ["href", "title", "rel", "colspan", "rowspan", "scope", "start", "class", "id"]
                        .contains(&attr.as_str()),
                    "attribute {attr:?} in {html}"
                );
                if attr == "href" {
                    match url::Url::parse(&value) {
                        Ok(u) => {
                            assert!(ALLOWED_SCHEMES.contains(&u.scheme()), "scheme of {value} in {html}")
                        }
                        Err(_) => {
                            let first = value.split(['/', '?', '#']).next().unwrap_or("");
                            assert!(!first.contains(':'), "relative {value} in {html}");
                        }
                    }
                }
                rest = &after[end + 1..];
            }
        }
        let lower = html.to_lowercase();
        for bad in
            ["<script", "<iframe", "<img", "<svg", "<object", "<embed", "<style", "<form", "<meta", "<base"]
        {
            assert!(!lower.contains(bad), "{bad} in {html}");
        }
    }

    #[test]
    fn attack_strings_come_out_safe_as_html_and_markdown() {
        for attack in ATTACKS {
            assert_safe(&sanitize(attack));
            assert_safe(&sanitize(&markdown_to_html(attack).0));
            if let Ok(r) = render_section(attack, false) {
                assert_safe(&r.html);
            }
            let (linked, _) = link_citations(&sanitize(attack), Some);
            assert_safe(&sanitize_document(&linked));
        }
    }

    #[test]
    fn the_case_mapping_panic_is_gone() {
        let r = render_section("Visit İzmir.<script>x()</script>", false).unwrap();
        assert_eq!(r.html, "<p>Visit İzmir.</p>");
    }

    #[test]
    fn markdown_renders_and_headings_are_demoted() {
        let r =
            render_section("# Big\n\nSome **bold** text [1].\n\n## Small\n\n- a [2]\n- b", false).unwrap();
        assert_eq!(
            r.html,
            "<h3>Big</h3>\n<p>Some <strong>bold</strong> text [1].</p>\n<h3>Small</h3>\n<ul>\n<li>a [2]</li>\n<li>b</li>\n</ul>"
        );
        assert_eq!(r.headings_demoted, 2);
        assert_eq!(r.citations, vec![1, 2]);
        assert_eq!(r.words, 7);
    }

    #[test]
    fn html_paragraphs_from_older_models_still_work() {
        let r = render_section("<p>One [1].</p>\n<p>Two <b onclick=x>b</b></p>", false).unwrap();
        assert_eq!(r.html, "<p>One [1].</p>\n<p>Two <b>b</b></p>");
    }

    #[test]
    fn links_keep_safe_schemes_and_relative_urls() {
        let html = sanitize(
            "<a href=\"https://a.example/x\">a</a><a href=\"/guide/\">b</a><a href=\"mailto:x@y.example\">c</a><a href=\"ftp://f\">d</a>",
        );
        assert_eq!(
            html,
            "<a href=\"https://a.example/x\" rel=\"nofollow noopener\">a</a><a href=\"/guide/\" rel=\"nofollow noopener\">b</a><a href=\"mailto:x@y.example\" rel=\"nofollow noopener\">c</a><a rel=\"nofollow noopener\">d</a>"
        );
    }

    #[test]
    fn typed_outcomes_for_bad_output() {
        assert_eq!(render_section("  \n ", false), Err(SectionError::Empty));
        assert_eq!(render_section("<script>x</script><iframe></iframe>", false), Err(SectionError::NoText));
        assert_eq!(render_section("<p></p><hr>", false), Err(SectionError::NoText));
        assert_eq!(render_section("One paragraph cut in the mid", true), Err(SectionError::Truncated));
        let cut = render_section("Whole paragraph.\n\nCut in the mid", true).unwrap();
        assert_eq!((cut.html.as_str(), cut.dropped_partial), ("<p>Whole paragraph.</p>", true));
    }

    #[test]
    fn citations_become_links_and_dangling_ones_go() {
        let (html, removed) = link_citations(
            "<p>A [1] and [2][3]. <a href=\"https://x.example/[1]\">[1]</a> <code>[1]</code></p>",
            |n| (n != 3).then_some(n + 10),
        );
        assert_eq!(
            html,
            "<p>A<sup class=\"cite\"><a href=\"#ref-11\" title=\"Source 11\">[11]</a></sup> and<sup class=\"cite\"><a href=\"#ref-12\" title=\"Source 12\">[12]</a></sup>. <a href=\"https://x.example/[1]\">[1]</a> <code>[1]</code></p>"
        );
        assert_eq!(removed, 1);
        assert_eq!(sanitize_document(&html), html);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn arbitrary_text_never_panics_and_comes_out_safe(s in "\\PC{0,300}") {
            let _ = render_section(&s, false);
            let _ = render_section(&s, true);
            assert_safe(&sanitize(&s));
            let (linked, _) = link_citations(&sanitize(&markdown_to_html(&s).0), Some);
            assert_safe(&sanitize_document(&linked));
        }

        #[test]
        fn html_like_soup_comes_out_safe(parts in proptest::collection::vec(prop_oneof![
            Just("<script>"), Just("</script>"), Just("<a href=\""), Just("javascript:"), Just("data:"),
            Just("\">"), Just("</a>"), Just(" onerror="), Just("<img src=x"), Just("<iframe"), Just(">"),
            Just("İ"), Just("ǅ"), Just("ß"), Just("[1]"), Just("<p>"), Just("</p>"), Just("<!--"), Just("-->"),
            Just("\n\n"), Just("# "), Just("[x]("), Just(")"), Just("'"), Just("<svg"), Just(" "), Just("text"),
        ], 0..40)) {
            let s: String = parts.concat();
            if let Ok(r) = render_section(&s, false) {
                assert_safe(&r.html);
            }
            let (linked, _) = link_citations(&sanitize(&s), Some);
            assert_safe(&sanitize_document(&linked));
        }
    }
}
