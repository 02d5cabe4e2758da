//! TDH in-types and out-types: how a provider's manifest says a property's
//! bytes are laid out, and what they mean. The values are tdh.h's
//! `_TDH_IN_TYPE` and `_TDH_OUT_TYPE`, defined here so the payload decoder
//! builds and is tested on any host; the live layer's tests check them
//! against the `windows` crate. `u16`, as EVENT_PROPERTY_INFO carries them.

pub const TDH_INTYPE_UNICODESTRING: u16 = 1;
pub const TDH_INTYPE_ANSISTRING: u16 = 2;
pub const TDH_INTYPE_INT8: u16 = 3;
pub const TDH_INTYPE_UINT8: u16 = 4;
pub const TDH_INTYPE_INT16: u16 = 5;
pub const TDH_INTYPE_UINT16: u16 = 6;
pub const TDH_INTYPE_INT32: u16 = 7;
pub const TDH_INTYPE_UINT32: u16 = 8;
pub const TDH_INTYPE_INT64: u16 = 9;
pub const TDH_INTYPE_UINT64: u16 = 10;
pub const TDH_INTYPE_FLOAT: u16 = 11;
pub const TDH_INTYPE_DOUBLE: u16 = 12;
pub const TDH_INTYPE_BOOLEAN: u16 = 13;
pub const TDH_INTYPE_BINARY: u16 = 14;
pub const TDH_INTYPE_GUID: u16 = 15;
pub const TDH_INTYPE_POINTER: u16 = 16;
pub const TDH_INTYPE_FILETIME: u16 = 17;
pub const TDH_INTYPE_SYSTEMTIME: u16 = 18;
pub const TDH_INTYPE_SID: u16 = 19;
pub const TDH_INTYPE_HEXINT32: u16 = 20;
pub const TDH_INTYPE_HEXINT64: u16 = 21;
pub const TDH_INTYPE_MANIFEST_COUNTEDSTRING: u16 = 22;
pub const TDH_INTYPE_MANIFEST_COUNTEDANSISTRING: u16 = 23;
pub const TDH_INTYPE_MANIFEST_COUNTEDBINARY: u16 = 25;
pub const TDH_INTYPE_COUNTEDSTRING: u16 = 300;
pub const TDH_INTYPE_COUNTEDANSISTRING: u16 = 301;
pub const TDH_INTYPE_REVERSEDCOUNTEDSTRING: u16 = 302;
pub const TDH_INTYPE_REVERSEDCOUNTEDANSISTRING: u16 = 303;
pub const TDH_INTYPE_NONNULLTERMINATEDSTRING: u16 = 304;
pub const TDH_INTYPE_NONNULLTERMINATEDANSISTRING: u16 = 305;
pub const TDH_INTYPE_UNICODECHAR: u16 = 306;
pub const TDH_INTYPE_ANSICHAR: u16 = 307;
pub const TDH_INTYPE_SIZET: u16 = 308;
pub const TDH_INTYPE_HEXDUMP: u16 = 309;
pub const TDH_INTYPE_WBEMSID: u16 = 310;

pub const TDH_OUTTYPE_PORT: u16 = 22;
pub const TDH_OUTTYPE_IPV4: u16 = 23;
pub const TDH_OUTTYPE_IPV6: u16 = 24;
