//! Enums stored as text: one macro gives each its wire names, `as_str`, `FromStr`, `Display`
//! and serde as the same strings, so the database CHECK constraints, JSON and Rust agree.

/// A wire name that is not one of the enum's values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} {input:?}")]
pub struct ParseEnumError {
    /// The enum (`"workflow state"`, `"keyword type"`).
    pub kind: &'static str,
    /// The rejected input, truncated.
    pub input: String,
}

impl ParseEnumError {
    /// A new error for `kind`, keeping at most 64 characters of `input`.
    pub fn new(kind: &'static str, input: &str) -> Self {
        Self { kind, input: input.chars().take(64).collect() }
    }
}

/// Defines a text-backed enum. `wire_enum!(/// docs\n Name, "kind" { /// docs\n Variant => "wire", … })`.
macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        $name:ident, $kind:literal {
            $( $(#[$vmeta:meta])* $variant:ident => $wire:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $( $(#[$vmeta])* $variant ),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[ $( $name::$variant ),+ ];

            /// The wire name.
            #[must_use]
            pub const fn as_str(self) -> &'static str {
                match self { $( $name::$variant => $wire ),+ }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::wire::ParseEnumError;
            fn from_str(s: &str) -> ::std::result::Result<Self, Self::Err> {
                match s {
                    $( $wire => Ok($name::$variant), )+
                    _ => Err($crate::wire::ParseEnumError::new($kind, s)),
                }
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> ::std::result::Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> ::std::result::Result<Self, D::Error> {
                let s = <::std::borrow::Cow<'de, str> as ::serde::Deserialize>::deserialize(d)?;
                s.parse().map_err(::serde::de::Error::custom)
            }
        }
    };
}
pub(crate) use wire_enum;

#[cfg(test)]
mod tests {
    wire_enum!(
        /// test
        Color, "color" {
            /// red
            Red => "red",
            /// dark blue
            DarkBlue => "dark_blue",
        }
    );

    #[test]
    fn round_trips_and_rejects() {
        for c in Color::ALL {
            assert_eq!(c.as_str().parse::<Color>().unwrap(), *c);
            let json = serde_json::to_string(c).unwrap();
            assert_eq!(serde_json::from_str::<Color>(&json).unwrap(), *c);
        }
        let err = "green".parse::<Color>().unwrap_err();
        assert_eq!(err.to_string(), "unknown color \"green\"");
        assert!(serde_json::from_str::<Color>("\"RED\"").is_err());
    }
}
