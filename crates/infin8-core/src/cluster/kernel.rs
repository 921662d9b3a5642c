//! The blocked inner-product kernel of the sweep: a tile of candidate hubs times a tile of rows.
//!
//! Inputs are the pre-filter's integer codes widened to f32 ([`widen`]), `stride` values per row
//! (a multiple of 8, zero-padded). Every product and partial sum is an integer below 2²⁴ (the
//! pre-filter bounds the codes so), so f32 arithmetic is exact and the result does not depend on
//! the summation order, the SIMD width or the thread count.
//!
//! The kernel computes a 4 × 3 block of dot products per pass over the codes: 12 accumulators, 7
//! loads per step of one SIMD vector, so it runs on the FMA units instead of the loads, where a
//! pair-at-a-time dot product spends most of its time. `pulp` picks AVX2 + FMA (or AVX-512, or a
//! scalar fallback) at run time, with no `unsafe` here.

use pulp::{Arch, Simd, WithSimd};

/// Hubs per micro-tile.
pub(crate) const HUB_TILE: usize = 4;
/// Rows per micro-tile.
pub(crate) const ROW_TILE: usize = 3;

/// Values per widened row for prefix length `k`: `k` rounded up to a multiple of 8.
pub(crate) fn stride(k: usize) -> usize {
    k.div_ceil(8) * 8
}

/// Appends `code` widened to f32, zero-padded to `stride`.
pub(crate) fn widen(code: &[i8], stride: usize, out: &mut Vec<f32>) {
    out.extend(code.iter().map(|&c| f32::from(c)));
    out.resize(out.len() + stride - code.len().min(stride), 0.0);
}

/// Pads `packed` (rows of `stride`) with zero rows to a multiple of `tile` rows.
pub(crate) fn pad_rows(packed: &mut Vec<f32>, stride: usize, tile: usize) {
    let rows = packed.len() / stride.max(1);
    packed.resize(rows.div_ceil(tile) * tile * stride, 0.0);
}

/// `out[j * n_rows + i] = hubs[j] · rows[i]` for every hub `j < n_hubs` and row `i < n_rows`,
/// where `hubs` holds `n_hubs` rounded up to [`HUB_TILE`] rows and `rows` `n_rows` rounded up to
/// [`ROW_TILE`] rows, each `stride` values (see [`pad_rows`]).
pub(crate) fn dots(
    hubs: &[f32],
    rows: &[f32],
    stride: usize,
    n_hubs: usize,
    n_rows: usize,
    out: &mut Vec<f32>,
) {
    out.clear();
    out.resize(n_hubs * n_rows, 0.0);
    if stride == 0 {
        return;
    }
    Arch::new().dispatch(Dots { hubs, rows, stride, n_hubs, n_rows, out });
}

struct Dots<'a> {
    hubs: &'a [f32],
    rows: &'a [f32],
    stride: usize,
    n_hubs: usize,
    n_rows: usize,
    out: &'a mut [f32],
}

impl WithSimd for Dots<'_> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: Simd>(self, simd: S) {
        let Self { hubs, rows, stride, n_hubs, n_rows, out } = self;
        let row_tiles = rows.chunks_exact(ROW_TILE * stride).take(n_rows.div_ceil(ROW_TILE));
        for (rt, row_tile) in row_tiles.enumerate() {
            let (r0, rest) = row_tile.split_at(stride);
            let (r1, r2) = rest.split_at(stride);
            let (v0, t0) = S::as_simd_f32s(r0);
            let (v1, t1) = S::as_simd_f32s(r1);
            let (v2, t2) = S::as_simd_f32s(r2);
            let hub_tiles = hubs.chunks_exact(HUB_TILE * stride).take(n_hubs.div_ceil(HUB_TILE));
            for (ht, hub_tile) in hub_tiles.enumerate() {
                let mut acc = [[simd.splat_f32s(0.0); ROW_TILE]; HUB_TILE];
                let mut tails = [[0.0_f32; ROW_TILE]; HUB_TILE];
                for (q, hub) in hub_tile.chunks_exact(stride).enumerate() {
                    let (h, ht_tail) = S::as_simd_f32s(hub);
                    let a = &mut acc[q];
                    let n = h.len().min(v0.len()).min(v1.len()).min(v2.len());
                    for i in 0..n {
                        let y = h[i];
                        a[0] = simd.mul_add_e_f32s(y, v0[i], a[0]);
                        a[1] = simd.mul_add_e_f32s(y, v1[i], a[1]);
                        a[2] = simd.mul_add_e_f32s(y, v2[i], a[2]);
                    }
                    for (p, t) in [t0, t1, t2].into_iter().enumerate() {
                        tails[q][p] = ht_tail.iter().zip(t).map(|(a, b)| a * b).sum();
                    }
                }
                for q in 0..HUB_TILE {
                    let j = ht * HUB_TILE + q;
                    if j >= n_hubs {
                        break;
                    }
                    for p in 0..ROW_TILE {
                        let i = rt * ROW_TILE + p;
                        if i < n_rows {
                            out[j * n_rows + i] = simd.reduce_sum_f32s(acc[q][p]) + tails[q][p];
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocked_dots_equal_the_integer_products_for_every_shape() {
        let mut seed = 7_u64;
        let mut code = || {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            #[allow(clippy::cast_possible_truncation)]
            let c = ((seed >> 33) % 255) as i32 - 127;
            i8::try_from(c).unwrap_or(0)
        };
        for (k, n_hubs, n_rows) in
            [(3, 1, 1), (8, 4, 3), (40, 5, 7), (96, 13, 10), (1024, 9, 4), (1030, 6, 5)]
        {
            let q = if k > 1024 { 100 } else { 127 };
            let hubs: Vec<Vec<i8>> =
                (0..n_hubs).map(|_| (0..k).map(|_| code().clamp(-q, q)).collect()).collect();
            let rows: Vec<Vec<i8>> =
                (0..n_rows).map(|_| (0..k).map(|_| code().clamp(-q, q)).collect()).collect();
            let s = stride(k);
            let (mut hp, mut rp) = (Vec::new(), Vec::new());
            hubs.iter().for_each(|c| widen(c, s, &mut hp));
            rows.iter().for_each(|c| widen(c, s, &mut rp));
            pad_rows(&mut hp, s, HUB_TILE);
            pad_rows(&mut rp, s, ROW_TILE);
            let mut out = Vec::new();
            dots(&hp, &rp, s, n_hubs, n_rows, &mut out);
            for (j, h) in hubs.iter().enumerate() {
                for (i, r) in rows.iter().enumerate() {
                    let exact: i64 = h.iter().zip(r).map(|(&a, &b)| i64::from(a) * i64::from(b)).sum();
                    #[allow(clippy::cast_precision_loss)]
                    let want = exact as f32;
                    assert_eq!(out[j * n_rows + i], want, "k {k} hub {j} row {i}");
                }
            }
        }
        // The extreme case: every product at its maximum, k · Q² just below 2²⁴.
        let k = 1024;
        let (mut hp, mut rp) = (Vec::new(), Vec::new());
        widen(&vec![127; k], k, &mut hp);
        widen(&vec![-127; k], k, &mut rp);
        pad_rows(&mut hp, k, HUB_TILE);
        pad_rows(&mut rp, k, ROW_TILE);
        let mut out = Vec::new();
        dots(&hp, &rp, k, 1, 1, &mut out);
        assert_eq!(out, vec![-16_516_096.0]);
    }
}
