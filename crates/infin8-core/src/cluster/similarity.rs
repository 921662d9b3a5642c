//! Vector checks and the exact f32 similarity used by the clusterers.

use super::ClusterError;
use crate::ids::KeywordId;
use simsimd::SpatialSimilarity;

/// The dot product of two equally long vectors, with SIMD (runtime-dispatched by `simsimd`).
#[must_use]
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    match f32::dot(a, b) {
        #[allow(clippy::cast_possible_truncation)]
        Some(d) => d as f32,
        None => a.iter().zip(b).map(|(x, y)| x * y).sum(),
    }
}

/// The cosine of two rows given their inverse norms, in f64 where f32 would overflow or lose
/// precision (components near the f32 limits).
#[must_use]
pub fn cosine_with(a: &[f32], b: &[f32], inv_a: f64, inv_b: f64) -> f32 {
    let d = f64::from(dot(a, b));
    let d = if d.is_finite() { d } else { a.iter().zip(b).map(|(&x, &y)| f64::from(x) * f64::from(y)).sum() };
    #[allow(clippy::cast_possible_truncation)]
    let cos = (d * inv_a * inv_b) as f32;
    cos
}

/// Checks one embedding against the expected dimension and returns `1 / ‖v‖`.
///
/// # Errors
/// [`ClusterError::WrongDimension`], [`ClusterError::NonFinite`] or [`ClusterError::ZeroNorm`],
/// naming `keyword`.
pub fn check_vector(keyword: KeywordId, v: &[f32], dim: usize) -> Result<f64, ClusterError> {
    if v.len() != dim {
        return Err(ClusterError::WrongDimension { keyword, expected: dim, actual: v.len() });
    }
    // Fast path: a finite, normal squared norm means every component is finite.
    let sq = dot(v, v);
    let norm = if sq.is_finite() && sq > 1e-30 {
        f64::from(sq).sqrt()
    } else {
        if let Some(index) = v.iter().position(|x| !x.is_finite()) {
            return Err(ClusterError::NonFinite { keyword, index });
        }
        // f64: no overflow for large components, no underflow for small ones.
        v.iter().map(|&x| f64::from(x) * f64::from(x)).sum::<f64>().sqrt()
    };
    let inv = 1.0 / norm;
    if norm == 0.0 || !inv.is_finite() {
        return Err(ClusterError::ZeroNorm { keyword });
    }
    Ok(inv)
}
