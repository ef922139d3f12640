//! Users and groups of the machine by name and number (the C library's account database, so
//! whatever NSS the machine uses).

use std::ffi::{CStr, CString};

use juju_hookcmds::workload::Ownership;
use rustix::fs::{Gid, Uid};

use crate::error::HostError;

fn c_name(name: &str) -> Result<CString, HostError> {
    CString::new(name).map_err(|_| HostError::InvalidArgument(format!("{name:?} is not a name")))
}

/// The user `name`: its uid and primary gid.
pub fn user(name: &str) -> Result<(u32, u32), HostError> {
    let c = c_name(name)?;
    let mut buf = vec![0 as libc::c_char; 16 << 10];
    // SAFETY: passwd is plain data the call fills; buf outlives the call and is not read.
    let mut pwd: libc::passwd = unsafe { std::mem::zeroed() };
    let mut found: *mut libc::passwd = std::ptr::null_mut();
    // SAFETY: every pointer is valid for the call; the buffer's length is passed.
    let rc = unsafe {
        libc::getpwnam_r(
            c.as_ptr(),
            &mut pwd,
            buf.as_mut_ptr(),
            buf.len(),
            &mut found,
        )
    };
    if rc != 0 || found.is_null() {
        return Err(HostError::NotFound(format!(
            "no user {name:?} on this machine"
        )));
    }
    Ok((pwd.pw_uid, pwd.pw_gid))
}

/// The group `name`'s gid.
pub fn group(name: &str) -> Result<u32, HostError> {
    let c = c_name(name)?;
    let mut buf = vec![0 as libc::c_char; 16 << 10];
    // SAFETY: as in `user`.
    let mut grp: libc::group = unsafe { std::mem::zeroed() };
    let mut found: *mut libc::group = std::ptr::null_mut();
    // SAFETY: as in `user`.
    let rc = unsafe {
        libc::getgrnam_r(
            c.as_ptr(),
            &mut grp,
            buf.as_mut_ptr(),
            buf.len(),
            &mut found,
        )
    };
    if rc != 0 || found.is_null() {
        return Err(HostError::NotFound(format!(
            "no group {name:?} on this machine"
        )));
    }
    Ok(grp.gr_gid)
}

/// The owner and group a write asks for, as numbers (root is 0 without asking the account
/// database).
pub fn ids(owner: &Ownership) -> Result<(Uid, Gid), HostError> {
    let uid = match owner.owner.as_deref() {
        None | Some("root") => 0,
        Some(name) => user(name)?.0,
    };
    let gid = match owner.group.as_deref() {
        None | Some("root") => 0,
        Some(name) => group(name)?,
    };
    Ok((Uid::from_raw(uid), Gid::from_raw(gid)))
}

/// The name of user `uid`, or its number.
pub fn user_name(uid: u32) -> String {
    let mut buf = vec![0 as libc::c_char; 16 << 10];
    // SAFETY: as in `user`.
    let mut pwd: libc::passwd = unsafe { std::mem::zeroed() };
    let mut found: *mut libc::passwd = std::ptr::null_mut();
    // SAFETY: as in `user`.
    let rc = unsafe { libc::getpwuid_r(uid, &mut pwd, buf.as_mut_ptr(), buf.len(), &mut found) };
    if rc != 0 || found.is_null() {
        return uid.to_string();
    }
    // SAFETY: on success pw_name points at a NUL-terminated string inside `buf`.
    unsafe { CStr::from_ptr(pwd.pw_name) }
        .to_string_lossy()
        .into_owned()
}

/// The name of group `gid`, or its number.
pub fn group_name(gid: u32) -> String {
    let mut buf = vec![0 as libc::c_char; 16 << 10];
    // SAFETY: as in `user`.
    let mut grp: libc::group = unsafe { std::mem::zeroed() };
    let mut found: *mut libc::group = std::ptr::null_mut();
    // SAFETY: as in `user`.
    let rc = unsafe { libc::getgrgid_r(gid, &mut grp, buf.as_mut_ptr(), buf.len(), &mut found) };
    if rc != 0 || found.is_null() {
        return gid.to_string();
    }
    // SAFETY: on success gr_name points at a NUL-terminated string inside `buf`.
    unsafe { CStr::from_ptr(grp.gr_name) }
        .to_string_lossy()
        .into_owned()
}
