//! Decoders for the events no public `.evtx` sample holds (SMBServer,
//! NTLM Operational, Schannel, Kernel-Process, 5168, classic PowerShell
//! 2.0), tested with records built from the providers' manifests: the field
//! names are the ones jdu2600/Windows10EtwEvents and OSSEM-DD publish (see
//! each decoder's module comment).

use temper_collector::windows::event_xml::parse_event_xml;
use temper_collector::windows::share_grants::from_attr;
use temper_collector::windows::{EventRecord, WindowsDecoder};
use temper_collector::{Access, Event, InventoryCategory, Negotiated, Observation, Role, SmbDialect, TlsVersion};

fn at(seconds: u32) -> chrono::DateTime<chrono::Utc> {
    format!("2026-11-02T10:00:{seconds:02}Z").parse().unwrap()
}

fn decode(records: &[EventRecord]) -> Vec<Observation> {
    let mut decoder = WindowsDecoder::new("etw");
    let mut out = Vec::new();
    for record in records {
        decoder.decode(record, &mut out);
    }
    out
}

#[test]
fn smb_dialect_joins_accept_and_negotiate_on_the_connection_guid() {
    let guid = "{6F9619FF-8B86-D011-B42D-00C04FC964FF}";
    let records = [
        // 500 Smb2ConnectionAccept: AF_INET 10.0.4.17:51234 (0xC822).
        EventRecord::new("Microsoft-Windows-SMBServer", 500, at(0), "FS01")
            .with("ConnectionGUID", guid)
            .with("AddressLength", 16)
            .with("Address", "0200C8220A0004110000000000000000")
            .with("TransportName", r"\Device\NetbtSmb"),
        // 101 Smb2ResponseNegotiate: SMB 3.1.1, signing required.
        EventRecord::new("Microsoft-Windows-SMBServer", 101, at(1), "FS01")
            .with("ConnectionGUID", guid.to_ascii_lowercase())
            .with("Status", 0)
            .with("SecurityMode", 3)
            .with("DialectRevision", 0x311),
        // A negotiation whose accept was before the trace: still a use, no peer.
        EventRecord::new("Microsoft-Windows-SMBServer", 101, at(2), "FS01")
            .with("ConnectionGUID", "{00000000-0000-0000-0000-000000000001}")
            .with("Status", 0)
            .with("SecurityMode", 1)
            .with("DialectRevision", "0x0202"),
        // A failed negotiation is not a use.
        EventRecord::new("Microsoft-Windows-SMBServer", 101, at(3), "FS01")
            .with("ConnectionGUID", guid)
            .with("Status", "0xC0000022")
            .with("DialectRevision", 0x300),
    ];
    let out = decode(&records);
    assert_eq!(out.len(), 2, "{out:#?}");
    let Event::Protocol(p) = &out[0].event else { panic!() };
    assert_eq!(p.negotiated, Negotiated::Smb(SmbDialect::Smb311));
    assert_eq!(out[0].host, "fs01");
    assert_eq!(out[0].role, Some(Role::Server));
    assert_eq!(out[0].local.as_ref().unwrap().port, Some(445));
    assert_eq!(out[0].peer.as_ref().unwrap().ip, Some("10.0.4.17".parse().unwrap()));
    assert_eq!(out[0].detail_str("signing"), Some("required"));
    let Event::Protocol(p) = &out[1].event else { panic!() };
    assert_eq!(p.negotiated, Negotiated::Smb(SmbDialect::Smb202));
    assert!(out[1].peer.is_none());
}

#[test]
fn smb1_audit_names_the_client_address() {
    let out =
        decode(&[EventRecord::new("Microsoft-Windows-SMBServer", 3000, at(0), "FS01").with("ClientName", "10.0.9.77")]);
    let Event::Protocol(p) = &out[0].event else { panic!() };
    assert_eq!(p.negotiated, Negotiated::Smb(SmbDialect::Smb1));
    assert_eq!(out[0].peer.as_ref().unwrap().ip, Some("10.0.9.77".parse().unwrap()));
}

#[test]
fn ntlm_audit_events_are_ntlm_logons_without_a_version() {
    let records = [
        EventRecord::new("Microsoft-Windows-NTLM", 8001, at(0), "WS01")
            .with("TargetName", "HTTP/intranet.corp")
            .with("UserName", "alice")
            .with("DomainName", "CORP")
            .with("CallerPID", 4242)
            .with("ProcessName", r"C:\Program Files\App\app.exe"),
        EventRecord::new("Microsoft-Windows-NTLM", 8002, at(1), "FS01")
            .with("CallerPID", 4)
            .with("ProcessName", "")
            .with("ClientUserName", "scanner")
            .with("ClientDomainName", "CORP"),
        EventRecord::new("Microsoft-Windows-Security-Netlogon", 8004, at(2), "DC01")
            .with("SChannelName", "FS01")
            .with("UserName", "bob")
            .with("DomainName", "NULL")
            .with("WorkstationName", "OLDPC")
            .with("SChannelType", 2),
        // 8004 from the NTLM provider itself is not this event.
        EventRecord::new("Microsoft-Windows-NTLM", 8004, at(3), "DC01").with("UserName", "x"),
    ];
    let out = decode(&records);
    assert_eq!(out.len(), 3);
    assert!(out.iter().all(|o| matches!(&o.event, Event::Logon(l) if l.method == "ntlm")));
    assert_eq!(out[0].role, Some(Role::Client));
    assert_eq!(out[0].peer.as_ref().unwrap().name.as_deref(), Some("HTTP/intranet.corp"));
    assert_eq!(out[0].process.as_ref().unwrap().name, "app.exe");
    assert_eq!(out[1].user.as_deref(), Some("scanner"));
    assert_eq!(out[2].peer.as_ref().unwrap().name.as_deref(), Some("OLDPC"));
    assert_eq!(out[2].detail_str("domain"), None, "Netlogon's literal NULL is no domain");
    assert_eq!(out[2].detail_str("via_server"), Some("FS01"));
}

#[test]
fn schannel_handshakes_are_host_wide_tls_facts() {
    let out = decode(&[
        EventRecord::new("Schannel", 36880, at(0), "WEB01")
            .with("Type", "server")
            .with("Protocol", "TLS 1.0")
            .with("CipherSuite", "0xC014")
            .with("ExchangeStrength", 256)
            .with("TargetName", "")
            .with("LocalCertSubjectName", "CN=web01.corp"),
        EventRecord::new("Schannel", 36880, at(1), "WEB01").with("Type", "client").with("Protocol", "TLS 1.3"),
        EventRecord::new("Schannel", 36880, at(2), "WEB01").with("Type", "server").with("Protocol", "unknown"),
    ]);
    assert_eq!(out.len(), 2);
    let Event::Protocol(p) = &out[0].event else { panic!() };
    assert_eq!(p.negotiated, Negotiated::Tls(TlsVersion::Tls10));
    assert_eq!(out[0].role, Some(Role::Server));
    assert!(out[0].local.is_none() && out[0].peer.is_none(), "36880 names no port or peer");
    assert_eq!(out[1].role, Some(Role::Client));
}

#[test]
fn kernel_process_starts_and_spn_failures() {
    let out = decode(&[
        EventRecord::new("Microsoft-Windows-Kernel-Process", 1, at(0), "FS01")
            .with("ProcessID", 5120)
            .with("ParentProcessID", 900)
            .with("ImageName", r"\Device\HarddiskVolume2\Windows\System32\WindowsPowerShell\v1.0\powershell.exe"),
        EventRecord::new("Microsoft-Windows-Security-Auditing", 5168, at(1), "FS01")
            .with("SubjectUserName", "svc-old")
            .with("SubjectDomainName", "CORP")
            .with("SpnName", "cifs/10.0.0.5")
            .with("ErrorCode", "0xC000A000"),
    ]);
    let Event::Script(script) = &out[0].event else { panic!("{:?}", out[0]) };
    assert_eq!(script.interpreter, "powershell");
    assert_eq!(out[0].process.as_ref().unwrap().pid, Some(5120));
    let Event::Logon(logon) = &out[1].event else { panic!() };
    assert!(!logon.success && logon.service == "smb" && logon.method == "spn-check");
    assert_eq!(out[1].detail_str("spn"), Some("cifs/10.0.0.5"));
}

#[test]
fn powershell_2_engine_from_the_classic_log_as_rendered_xml() {
    // The 2.0 engine writes bare `\n` and no HostApplication.
    let xml = "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='PowerShell'/><EventID Qualifiers='0'>400</EventID><TimeCreated SystemTime='2026-11-01T02:01:00.000Z'/><EventRecordID>77</EventRecordID><Channel>Windows PowerShell</Channel><Computer>FS01.corp.example</Computer></System><EventData><Data>Available</Data><Data>None</Data><Data>\tNewEngineState=Available\n\tPreviousEngineState=None\n\n\tSequenceNumber=13\n\n\tHostName=ConsoleHost\n\tHostVersion=2.0\n\tHostId=1b2c\n\tEngineVersion=2.0\n\tRunspaceId=9f\n</Data></EventData></Event>";
    let out = decode(&[parse_event_xml(xml).unwrap()]);
    let Event::Script(script) = &out[0].event else { panic!() };
    assert_eq!(script.engine_version.as_deref(), Some("2.0"));
    assert_eq!(script.host_application, None);
    assert_eq!(out[0].host, "fs01.corp.example");
    assert_eq!(out[0].detail_str("event"), Some("PowerShell/400"));
}

#[test]
fn anonymous_ntlm_v1_is_flagged_never_a_plain_v1_use() {
    let out = decode(&[EventRecord::new("Microsoft-Windows-Security-Auditing", 4624, at(0), "FS01")
        .with("TargetUserSid", "S-1-5-7")
        .with("TargetUserName", "ANONYMOUS LOGON")
        .with("LogonType", 3)
        .with("AuthenticationPackageName", "NTLM")
        .with("LmPackageName", "NTLM V1")
        .with("IpAddress", "10.0.0.9")
        .with("IpPort", "50000")]);
    assert_eq!(out.len(), 2);
    assert!(out.iter().all(Observation::is_anonymous));
    assert!(out.iter().any(|o| matches!(&o.event, Event::Protocol(p) if p.negotiated.to_string().contains("ntlmv1"))));
}

#[test]
fn share_access_and_command_line_redaction() {
    let out = decode(&[
        EventRecord::new("Microsoft-Windows-Security-Auditing", 5145, at(0), "FS01")
            .with("ShareName", r"\\*\scans")
            .with("RelativeTargetName", r"2026\scan.pdf")
            .with("AccessMask", "0x2")
            .with("IpAddress", "10.0.4.17")
            .with("SubjectUserName", "scanner"),
        EventRecord::new("Microsoft-Windows-Security-Auditing", 4688, at(1), "FS01")
            .with("NewProcessName", r"C:\Windows\System32\cmd.exe")
            .with("CommandLine", "cmd /c net use x: \\\\fs\\s /user:bob Secr3t --password=hunter2")
            .with("ParentProcessName", r"C:\Windows\explorer.exe")
            .with("TargetUserName", "bob")
            .with("TargetDomainName", "CORP"),
    ]);
    let Event::Share(share) = &out[0].event else { panic!() };
    assert_eq!((share.share.as_str(), share.access), ("scans", Access::Write));
    let Event::Script(script) = &out[1].event else { panic!() };
    let command = script.command.as_deref().unwrap();
    assert!(!command.contains("hunter2"), "{command}");
    assert_eq!(out[1].user.as_deref(), Some(r"CORP\bob"));
    assert_eq!(script.parent.as_ref().unwrap().name, "explorer.exe");
}

#[test]
fn a_share_path_without_a_share_is_not_a_share_use() {
    // Found by the evtx_record_json fuzz target.
    let out = decode(&[EventRecord::new("Microsoft-Windows-Security-Auditing", 5145, at(0), "PC01")
        .with("ShareName", r"\\XXSsytem")
        .with("RelativeTargetName", r"\")
        .with("AccessMask", "0x100080")]);
    assert!(out.is_empty(), "{out:?}");
}

#[test]
fn a_modified_share_inventories_its_new_grants() {
    // Microsoft's documented 5143, as rendered event XML.
    let xml = r"<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='Microsoft-Windows-Security-Auditing' Guid='{54849625-5478-4994-A5BA-3E3B0328C30D}'/><EventID>5143</EventID><TimeCreated SystemTime='2015-09-18T02:42:56.743298600Z'/><EventRecordID>268483</EventRecordID><Channel>Security</Channel><Computer>DC01.contoso.local</Computer></System><EventData><Data Name='SubjectUserSid'>S-1-5-21-3457937927-2839227994-823803824-1104</Data><Data Name='SubjectUserName'>dadmin</Data><Data Name='SubjectDomainName'>CONTOSO</Data><Data Name='SubjectLogonId'>0x38d12</Data><Data Name='ObjectType'>Directory</Data><Data Name='ShareName'>\\*\Documents</Data><Data Name='ShareLocalPath'>C:\Documents</Data><Data Name='OldRemark'>N/A</Data><Data Name='NewRemark'>N/A</Data><Data Name='OldMaxUsers'>0xffffffff</Data><Data Name='NewMaxUsers'>0xffffffff</Data><Data Name='OldShareFlags'>0x800</Data><Data Name='NewShareFlags'>0x800</Data><Data Name='OldSD'>O:S-1-5-21-3457937927-2839227994-823803824-1104G:DAD:(A;OICI;FA;;;BA)(A;OICI;FA;;;WD)</Data><Data Name='NewSD'>O:BAG:DAD:(D;;FA;;;S-1-5-21-3457937927-2839227994-823803824-1104)(A;OICI;FA;;;WD)(A;OICI;FA;;;BA)</Data></EventData></Event>";
    let out = decode(&[parse_event_xml(xml).unwrap()]);
    assert_eq!(out.len(), 1, "{out:?}");
    let Event::Inventory(inventory) = &out[0].event else { panic!("{out:?}") };
    let share = &inventory.items[0];
    assert_eq!((share.category, share.name.as_str()), (InventoryCategory::Share, "Documents"));
    assert_eq!(share.attr_str("path"), Some(r"C:\Documents"));
    let grants = from_attr(share.attrs.get("share_grants")).unwrap();
    let labels: Vec<String> = grants.iter().map(|g| g.label()).collect();
    assert_eq!(labels, ["Everyone (full)", r"BUILTIN\Administrators (full)"], "the denied user gains nothing");

    // An SD Temper cannot read leaves the share's inventory as it was.
    let garbled = xml.replace("(A;OICI;FA;;;WD)(A;OICI;FA;;;BA)", "(A;OICI;FA;;;WD");
    assert!(decode(&[parse_event_xml(&garbled).unwrap()]).is_empty());
}
