//! A pure lexical embedding: signed feature hashing of character n-grams and words.
//!
//! It needs no model and no network, so it is what the offline providers and the `cluster`
//! example use when no real embeddings are given. Keywords that share words or word pieces
//! ("crm software", "crm softwares", "software for crm") get a high cosine; unrelated keywords a
//! cosine near zero. It knows nothing about synonyms: use a real embedding model for that.

/// Smallest character n-gram hashed.
const MIN_GRAM: usize = 2;
/// Largest character n-gram hashed.
const MAX_GRAM: usize = 4;
/// Weight of a whole word relative to one character n-gram.
const WORD_WEIGHT: f32 = 2.0;

/// Embeds `text` into `dim` dimensions: the character 2-, 3- and 4-grams of each word (padded
/// with a space on both sides, so prefixes and suffixes count) and the words themselves are
/// hashed (64-bit FNV-1a, stable across platforms and releases) to a coordinate and a sign, summed,
/// and the vector is L2-normalized.
///
/// Deterministic: the same text and `dim` always give the same vector. The text is lower-cased
/// and split on whitespace; pass [`normalize_keyword`](crate::keyword::normalize_keyword)'s output
/// for the full Unicode folding. Text with no word, or `dim == 0`, gives an all-zero vector (which
/// the clusterers reject as [`ClusterError::ZeroNorm`](super::ClusterError::ZeroNorm)).
///
/// ```
/// use infin8_core::cluster::embed::hash_embed;
/// let a = hash_embed("best crm software", 384);
/// let b = hash_embed("crm software best", 384);
/// let c = hash_embed("hiking boots", 384);
/// let dot = |x: &[f32], y: &[f32]| x.iter().zip(y).map(|(p, q)| p * q).sum::<f32>();
/// assert!((dot(&a, &a) - 1.0).abs() < 1e-5);
/// assert!(dot(&a, &b) > 0.99); // same words, other order
/// assert!(dot(&a, &c) < 0.3);
/// ```
#[must_use]
pub fn hash_embed(text: &str, dim: usize) -> Vec<f32> {
    let mut out = vec![0.0_f32; dim];
    if dim == 0 {
        return out;
    }
    let lower = text.to_lowercase();
    let mut padded: Vec<char> = Vec::with_capacity(32);
    for word in lower.split_whitespace() {
        add_feature(&mut out, fnv1a(&[b"w:", word.as_bytes()]), WORD_WEIGHT);
        padded.clear();
        padded.push(' ');
        padded.extend(word.chars());
        padded.push(' ');
        let mut buf = [0_u8; 4 * MAX_GRAM];
        for n in MIN_GRAM..=MAX_GRAM {
            for gram in padded.windows(n) {
                let mut len = 0;
                for c in gram {
                    len += c.encode_utf8(&mut buf[len..]).len();
                }
                add_feature(&mut out, fnv1a(&[b"g:", &buf[..len]]), 1.0);
            }
        }
    }
    let norm = out.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        for x in &mut out {
            *x /= norm;
        }
    }
    out
}

/// Adds `weight` at the coordinate and sign chosen by `hash`.
fn add_feature(out: &mut [f32], hash: u64, weight: f32) {
    let len = out.len() as u64;
    let index = usize::try_from((hash >> 1) % len).unwrap_or(0);
    let signed = if hash & 1 == 0 { weight } else { -weight };
    if let Some(slot) = out.get_mut(index) {
        *slot += signed;
    }
}

/// 64-bit FNV-1a over the concatenated parts.
fn fnv1a(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for &b in *part {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dot(a: &[f32], b: &[f32]) -> f32 {
        a.iter().zip(b).map(|(x, y)| x * y).sum()
    }

    #[test]
    fn normalized_deterministic_and_lexical() {
        for dim in [1, 7, 384, 1536] {
            let a = hash_embed("Best CRM software", dim);
            assert_eq!(a.len(), dim);
            assert!((dot(&a, &a) - 1.0).abs() < 1e-5, "dim {dim}");
            assert_eq!(a, hash_embed("best crm   software", dim));
        }
        let a = hash_embed("crm software for small business", 768);
        let near = hash_embed("crm software small businesses", 768);
        let far = hash_embed("trail running shoes", 768);
        assert!(dot(&a, &near) > 0.7, "{}", dot(&a, &near));
        assert!(dot(&a, &far) < 0.2, "{}", dot(&a, &far));
    }

    #[test]
    fn empty_gives_zero_vector() {
        assert!(hash_embed("", 16).iter().all(|&x| x == 0.0));
        assert!(hash_embed("   ", 16).iter().all(|&x| x == 0.0));
        assert!(hash_embed("abc", 0).is_empty());
    }

    #[test]
    fn pinned_values_do_not_drift() {
        // A change here changes every stored offline embedding: make it a visible decision.
        let v = hash_embed("crm", 8);
        let rounded: Vec<i32> = v.iter().map(|x| (x * 1000.0).round() as i32).collect();
        assert_eq!(rounded, PINNED_CRM_8);
    }

    const PINNED_CRM_8: [i32; 8] = [0, 0, -192, -192, 770, 0, -577, 0];
}
