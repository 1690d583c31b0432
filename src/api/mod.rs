//! The faces of the library: the JavaScript class ([`js`]) and the Rust API ([`rust`]). Both
//! read their options into the same `options::Options` and start the same drivers, so they
//! behave identically.

pub mod js;
pub(crate) mod options;
pub mod rust;
