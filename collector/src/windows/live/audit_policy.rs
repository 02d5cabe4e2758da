//! Success auditing of the subcategories whose events Temper reads, from
//! the effective system audit policy (what `auditpol /get` shows).
//!
//! The subcategory GUIDs are ntsecapi.h's `Audit_*` constants, as Microsoft's
//! win32metadata exports them into the `windows` crate (Logon
//! {0CCE9215-...}, File Share {0CCE9224-...}, Detailed File Share
//! {0CCE9244-...}, Filtering Platform Connection {0CCE9226-...}, Process
//! Creation {0CCE922B-...}, all `-69AE-11D9-BED3-505054503030`); the CIS
//! Windows Server benchmark audits the same GUIDs for these subcategories.

use windows::Win32::Security::Authentication::Identity::{
    AuditFree, AuditQuerySystemPolicy, Audit_DetailedTracking_ProcessCreation, Audit_Logon_Logon,
    Audit_ObjectAccess_DetailedFileShare, Audit_ObjectAccess_FirewallConnection, Audit_ObjectAccess_Share,
    AUDIT_POLICY_INFORMATION, POLICY_AUDIT_EVENT_SUCCESS,
};

/// Success auditing of Logon, File Share, Detailed File Share, Filtering
/// Platform Connection and Process Creation, in that order; `None` when
/// the policy cannot be read (it needs SeSecurityPrivilege).
pub(crate) fn success_auditing() -> [Option<bool>; 5] {
    let subcategories = [
        Audit_Logon_Logon,
        Audit_ObjectAccess_Share,
        Audit_ObjectAccess_DetailedFileShare,
        Audit_ObjectAccess_FirewallConnection,
        Audit_DetailedTracking_ProcessCreation,
    ];
    let mut policies: *mut AUDIT_POLICY_INFORMATION = std::ptr::null_mut();
    // SAFETY: the GUID slice is valid for the call; `policies` receives one array allocated by the system.
    if !unsafe { AuditQuerySystemPolicy(&subcategories, &mut policies) } || policies.is_null() {
        tracing::warn!(
            "cannot read the audit policy: {}; audit-dependent categories stay unattested",
            windows::core::Error::from_thread()
        );
        return [None; 5];
    }
    // SAFETY: on success the array holds one entry per subcategory asked for, in order.
    let entries = unsafe { std::slice::from_raw_parts(policies, subcategories.len()) };
    let mut result = [None; 5];
    for (slot, entry) in result.iter_mut().zip(entries) {
        *slot = Some(entry.AuditingInformation & POLICY_AUDIT_EVENT_SUCCESS as u32 != 0);
    }
    // SAFETY: `policies` came from AuditQuerySystemPolicy and is freed once, after its last use.
    unsafe { AuditFree(policies.cast()) };
    result
}
