//! The npm build's panic handler (feature `panic-handler`, without std).
//!
//! Nothing in the engine is meant to panic on any input (the parser and the state machine are
//! property-tested for that), but should a bug cause one, the damage must stay with one source.
//! A panic traps out of the call that was running; the class catches that as an exception from
//! the call it made for one source, fails that source (reason `internal`) and never calls into
//! it again. The message is kept here for the class to read ([`esw_panic`]). It is the panic's
//! own text, never a formatted one: formatting would bring back the code leaving std out saves.

use core::cell::UnsafeCell;

struct Message(UnsafeCell<(usize, [u8; 200])>);
// SAFETY: one thread, and only the handler (which never returns) and `esw_panic` touch it.
unsafe impl Sync for Message {}
static MESSAGE: Message = Message(UnsafeCell::new((0, [0; 200])));

#[panic_handler]
fn on_panic(info: &core::panic::PanicInfo<'_>) -> ! {
    let text = info.message().as_str().unwrap_or("panicked").as_bytes();
    // SAFETY: see `Message`.
    let (len, buf) = unsafe { &mut *MESSAGE.0.get() };
    let n = text.len().min(buf.len());
    // A copy that cannot panic itself (slicing could, and its message is formatted).
    // SAFETY: `n` is at most the length of both.
    unsafe { core::ptr::copy_nonoverlapping(text.as_ptr(), buf.as_mut_ptr(), n) };
    *len = n;
    core::arch::wasm32::unreachable()
}

/// Where the last panic's message is ([`esw_panic_len`] bytes).
#[no_mangle]
pub extern "C" fn esw_panic() -> *const u8 {
    // SAFETY: see `Message`.
    let (_, buf) = unsafe { &*MESSAGE.0.get() };
    buf.as_ptr()
}

/// The last panic message's length.
#[no_mangle]
pub extern "C" fn esw_panic_len() -> usize {
    // SAFETY: see `Message`.
    unsafe { (*MESSAGE.0.get()).0 }
}
