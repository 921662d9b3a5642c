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
/// Hub codes kept hot in L1 while a chunk's row tiles pass by.
const GROUP_BYTES: usize = 16 * 1024;

/// Values per widened row for prefix length `k`: `k` rounded up to a multiple of 8.
pub(crate) fn stride(k: usize) -> usize {
    k.div_ceil(8) * 8
}

/// Appends `code` widened to f32, zero-padded to `stride`.
pub(crate) fn widen(code: &[i8], stride: usize, out: &mut Vec<f32>) {
    let start = out.len();
    out.resize(start + stride, 0.0);
    if let Some(slot) = out.get_mut(start..start + code.len().min(stride)) {
        Arch::new().dispatch(Widen { code, slot });
    }
}

struct Widen<'a> {
    code: &'a [i8],
    slot: &'a mut [f32],
}

impl WithSimd for Widen<'_> {
    type Output = ();

    /// Plain code, compiled inside pulp's dispatch: auto-vectorized with the CPU's features.
    #[inline(always)]
    fn with_simd<S: Simd>(self, _simd: S) {
        for (o, &c) in self.slot.iter_mut().zip(self.code) {
            *o = f32::from(c);
        }
    }
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

/// One 4 × 3 micro-tile: the 12 dot products of hubs `h` and rows `r` (SIMD parts, equal
/// lengths), in 12 independent accumulators.
#[inline(always)]
fn micro_tile<S: Simd>(
    simd: S,
    h: [&[S::f32s]; HUB_TILE],
    r: [&[S::f32s]; ROW_TILE],
) -> [[f32; ROW_TILE]; HUB_TILE] {
    let z = simd.splat_f32s(0.0);
    let (mut a00, mut a01, mut a02, mut a10, mut a11, mut a12) = (z, z, z, z, z, z);
    let (mut a20, mut a21, mut a22, mut a30, mut a31, mut a32) = (z, z, z, z, z, z);
    let [h0, h1, h2, h3] = h;
    let [r0, r1, r2] = r;
    let steps = h0.iter().zip(h1).zip(h2).zip(h3).zip(r0.iter().zip(r1).zip(r2));
    for ((((&y0, &y1), &y2), &y3), ((&x0, &x1), &x2)) in steps {
        a00 = simd.mul_add_e_f32s(y0, x0, a00);
        a01 = simd.mul_add_e_f32s(y0, x1, a01);
        a02 = simd.mul_add_e_f32s(y0, x2, a02);
        a10 = simd.mul_add_e_f32s(y1, x0, a10);
        a11 = simd.mul_add_e_f32s(y1, x1, a11);
        a12 = simd.mul_add_e_f32s(y1, x2, a12);
        a20 = simd.mul_add_e_f32s(y2, x0, a20);
        a21 = simd.mul_add_e_f32s(y2, x1, a21);
        a22 = simd.mul_add_e_f32s(y2, x2, a22);
        a30 = simd.mul_add_e_f32s(y3, x0, a30);
        a31 = simd.mul_add_e_f32s(y3, x1, a31);
        a32 = simd.mul_add_e_f32s(y3, x2, a32);
    }
    let s = |a| simd.reduce_sum_f32s(a);
    [[s(a00), s(a01), s(a02)], [s(a10), s(a11), s(a12)], [s(a20), s(a21), s(a22)], [s(a30), s(a31), s(a32)]]
}

impl WithSimd for Dots<'_> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: Simd>(self, simd: S) {
        let Self { hubs, rows, stride, n_hubs, n_rows, out } = self;
        // Hubs in groups that stay in L1 (≤ 16 KiB of codes) while every row tile of the chunk
        // passes by: per step the micro-kernel's 4 hub loads then hit L1, its 3 row loads L2.
        let group = (GROUP_BYTES / (HUB_TILE * stride * 4)).max(1);
        let hub_tiles: Vec<&[f32]> =
            hubs.chunks_exact(HUB_TILE * stride).take(n_hubs.div_ceil(HUB_TILE)).collect();
        for (g, tiles) in hub_tiles.chunks(group).enumerate() {
            let row_tiles = rows.chunks_exact(ROW_TILE * stride).take(n_rows.div_ceil(ROW_TILE));
            for (rt, row_tile) in row_tiles.enumerate() {
                let mut r = row_tile.chunks_exact(stride).map(S::as_simd_f32s);
                let (Some(r0), Some(r1), Some(r2)) = (r.next(), r.next(), r.next()) else { return };
                for (t, hub_tile) in tiles.iter().enumerate() {
                    let ht = g * group + t;
                    let mut h = hub_tile.chunks_exact(stride).map(S::as_simd_f32s);
                    let (Some(h0), Some(h1), Some(h2), Some(h3)) = (h.next(), h.next(), h.next(), h.next())
                    else {
                        return;
                    };
                    let mut tile = micro_tile(simd, [h0.0, h1.0, h2.0, h3.0], [r0.0, r1.0, r2.0]);
                    // The part shorter than one SIMD vector (only when stride is not a multiple of
                    // the lane count), in scalar.
                    for (q, hq) in [h0.1, h1.1, h2.1, h3.1].into_iter().enumerate() {
                        for (p, rp) in [r0.1, r1.1, r2.1].into_iter().enumerate() {
                            tile[q][p] += hq.iter().zip(rp).map(|(a, b)| a * b).sum::<f32>();
                        }
                    }
                    for (q, line) in tile.iter().enumerate() {
                        let j = ht * HUB_TILE + q;
                        if j >= n_hubs {
                            break;
                        }
                        let first = j * n_rows + rt * ROW_TILE;
                        let count = ROW_TILE.min(n_rows - rt * ROW_TILE);
                        if let Some(dst) = out.get_mut(first..first + count) {
                            dst.copy_from_slice(&line[..count]);
                        }
                    }
                }
            }
        }
    }
}

/// The bound's per-row terms for one chunk of rows, as arrays (see [`super::prefilter`]).
#[derive(Debug, Default)]
pub(crate) struct RowTerms {
    /// Quantization scale.
    pub scale: Vec<f32>,
    /// ‖e‖.
    pub err: Vec<f32>,
    /// ‖w_P‖.
    pub prefix: Vec<f32>,
    /// ‖w_R‖.
    pub tail: Vec<f32>,
    /// `m · w`.
    pub offset: Vec<f32>,
}

impl RowTerms {
    /// Empties every array.
    pub fn clear(&mut self) {
        for v in [&mut self.scale, &mut self.err, &mut self.prefix, &mut self.tail, &mut self.offset] {
            v.clear();
        }
    }
}

/// A hub's bound terms in f32: scale, ‖s q‖, ‖e‖, ‖w_R‖ and the need (already lowered by a
/// rounding allowance far above f32's error on these terms).
#[derive(Debug, Clone, Copy)]
pub(crate) struct HubBound {
    /// Quantization scale.
    pub scale: f32,
    /// ‖s·q‖.
    pub quant: f32,
    /// ‖e‖.
    pub err: f32,
    /// ‖w_R‖.
    pub tail: f32,
    /// What the bound must reach.
    pub need: f32,
}

/// `pass[i]` = whether the bound of (hub, row `i`) with code inner product `ips[i]` reaches the
/// hub's need (the test of `Prefilter::may_reach_ip`, in f32 and vectorized).
pub(crate) fn passes(hub: HubBound, ips: &[f32], rows: &RowTerms, pass: &mut Vec<bool>) {
    pass.clear();
    pass.resize(ips.len(), false);
    Arch::new().dispatch(Passes { hub, ips, rows, pass });
}

struct Passes<'a> {
    hub: HubBound,
    ips: &'a [f32],
    rows: &'a RowTerms,
    pass: &'a mut [bool],
}

impl WithSimd for Passes<'_> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: Simd>(self, _simd: S) {
        let Self { hub, ips, rows, pass } = self;
        let terms = rows.scale.iter().zip(&rows.err).zip(&rows.prefix).zip(&rows.tail).zip(&rows.offset);
        for ((p, &ip), ((((&s, &e), &pn), &t), &o)) in pass.iter_mut().zip(ips).zip(terms) {
            let bound = ip * (hub.scale * s) + hub.quant * e + hub.err * pn + hub.tail * t + o;
            *p = bound >= hub.need;
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
