//! The picture drawn for an author who has none: a symmetric 5×5 pattern and a hue, both taken
//! from a hash of the author's name.
//!
//! Drawn locally so showing a thread never makes a request to a third party (no Gravatar: that
//! would tell another company who reads which page). The same name always gets the same
//! picture, on every page and in every browser, so regular readers learn to recognise each
//! other. The hash is 64-bit FNV-1a: tiny, stable across platforms and versions, and good enough
//! to spread names over 2^15 patterns × 360 hues; it is not meant to resist forgery.

/// The grid is SIZE × SIZE cells; the left half (with the middle column) is mirrored.
const SIZE: u8 = 5;
const HALF: u8 = SIZE.div_ceil(2);

/// An author's generated picture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identicon {
    /// Filled cells as (column, row), each in `0..5`, symmetric around the middle column.
    cells: Vec<(u8, u8)>,
    /// Hue in degrees, `0..360`.
    hue: u16,
}

/// 64-bit FNV-1a over the UTF-8 bytes.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    bytes
        .iter()
        .fold(OFFSET, |hash, &b| (hash ^ u64::from(b)).wrapping_mul(PRIME))
}

impl Identicon {
    pub fn of(name: &str) -> Self {
        let hash = fnv1a(name.as_bytes());
        // Walked column by column, row by row, so the cells come out sorted (no sort to ship).
        let mut cells = Vec::new();
        for column in 0..SIZE {
            // A column of the right half shows its mirror image in the left half.
            let source = column.min(SIZE - 1 - column);
            for row in 0..SIZE {
                let bit = u32::from(source) * u32::from(SIZE) + u32::from(row);
                if hash.checked_shr(bit).unwrap_or(0) & 1 == 1 {
                    cells.push((column, row));
                }
            }
        }
        if cells.is_empty() {
            // One name in 32,768 would otherwise get a blank square.
            cells.push((HALF - 1, HALF - 1));
        }
        // The top bits, which the grid does not use, pick the hue.
        let hue = u16::try_from((hash >> 48) % 360).unwrap_or(0);
        Identicon { cells, hue }
    }

    pub fn cells(&self) -> &[(u8, u8)] {
        &self.cells
    }

    pub fn hue(&self) -> u16 {
        self.hue
    }

    /// The fill colour, readable on both the light and the dark background.
    pub fn fill(&self) -> String {
        format!("hsl({} 55% 52%)", self.hue)
    }

    /// The filled cells as one SVG path in a `0 0 5 5` view box: one DOM node per picture
    /// instead of up to 25, which matters with thousands of comments on a page.
    pub fn path(&self) -> String {
        let mut d = String::with_capacity(self.cells.len() * 12);
        for &(column, row) in &self.cells {
            d.push_str(&format!("M{column} {row}h1v1h-1z"));
        }
        d
    }

    /// The view box the path is drawn in.
    pub fn view_box(&self) -> &'static str {
        "0 0 5 5"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_matches_the_reference_values() {
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn the_same_name_gets_the_same_picture() {
        assert_eq!(Identicon::of("riverlover"), Identicon::of("riverlover"));
        assert_eq!(
            Identicon::of("riverlover").path(),
            Identicon::of("riverlover").path()
        );
    }

    #[test]
    fn different_names_get_different_pictures() {
        let names = [
            "riverlover",
            "since1951",
            "bygorry",
            "Lookout",
            "yahoo",
            "jwa13",
            "Anonymous",
            "",
        ];
        let pictures: Vec<Identicon> = names.iter().map(|n| Identicon::of(n)).collect();
        for (i, a) in pictures.iter().enumerate() {
            for b in pictures.iter().skip(i + 1) {
                assert_ne!(a, b);
            }
        }
    }

    #[test]
    fn pictures_are_symmetric_inside_the_grid_and_never_blank() {
        for name in ["riverlover", "", "ä😀", "x".repeat(1000).as_str()] {
            let icon = Identicon::of(name);
            assert!(!icon.cells().is_empty());
            assert!(icon.hue() < 360);
            for &(column, row) in icon.cells() {
                assert!(column < SIZE && row < SIZE);
                assert!(icon.cells().contains(&(SIZE - 1 - column, row)), "{name}");
            }
        }
    }

    #[test]
    fn cells_come_sorted_and_match_the_mirrored_left_half() {
        for name in ["riverlover", "since1951", "", "ä😀"] {
            let icon = Identicon::of(name);
            let mut sorted = icon.cells().to_vec();
            sorted.sort_unstable();
            assert_eq!(icon.cells(), &sorted[..], "{name}");
            // The same cells, found the other way: the left half and its mirror.
            let hash = fnv1a(name.as_bytes());
            let mut expected = Vec::new();
            for column in 0..HALF {
                for row in 0..SIZE {
                    if hash >> (u32::from(column) * u32::from(SIZE) + u32::from(row)) & 1 == 1 {
                        expected.push((column, row));
                        if SIZE - 1 - column != column {
                            expected.push((SIZE - 1 - column, row));
                        }
                    }
                }
            }
            if expected.is_empty() {
                expected.push((HALF - 1, HALF - 1));
            }
            expected.sort_unstable();
            assert_eq!(icon.cells(), &expected[..], "{name}");
        }
    }

    #[test]
    fn the_path_is_valid_svg_path_data() {
        let icon = Identicon::of("riverlover");
        let d = icon.path();
        // Only move/line commands and integers: nothing that could break out of an attribute.
        assert!(d.chars().all(|c| "Mhvz- 0123456789".contains(c)), "{d}");
        assert_eq!(d.matches('M').count(), icon.cells().len());
        assert_eq!(d.matches('z').count(), icon.cells().len());
        assert!(icon.fill().starts_with("hsl("));
    }
}
