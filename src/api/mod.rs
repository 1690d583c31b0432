//! The faces of the library: the JavaScript class ([`js`]) and, later, the Rust API. Both sit on
//! the same drivers, so they behave identically.

pub mod js;
