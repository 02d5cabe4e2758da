//! The table of dissectors. The flow tracker (`flow`) knows no dissector
//! by name: it walks [`DISSECTORS`] to orient a flow, to pick a dissector
//! from a direction's first bytes and to feed it. The fuzz harness and the
//! contract's property tests walk the same table, so a new dissector is
//! registered once and is tracked, fuzzed and tested like the others.

use super::dissector::Dissector;
use super::kerberos::KerberosDissector;
use super::rdp::RdpDissector;
use super::smb::SmbDissector;
use super::ssh::SshDissector;
use super::tls::TlsDissector;
use super::Direction;
use crate::observation::Transport;

/// A dissector as the flow tracker, the fuzzer and the tests know it.
pub struct Registration {
    /// `tls`, `smb`, ...: in test names, fuzz inputs and logs.
    pub name: &'static str,
    pub transports: &'static [Transport],
    /// Whether the first bytes of a direction call for this dissector.
    pub detect: fn(Transport, Direction, &[u8]) -> bool,
    /// Who sent a flow's first payload, when the protocol says (`Some(true)`:
    /// the client), for flows whose handshake was not captured.
    pub sender_is_client: fn(Transport, &[u8]) -> Option<bool>,
    pub new: fn(Transport) -> Box<dyn Dissector>,
    /// The observation categories its flows feed: what a hole in one may hide.
    pub categories: &'static [&'static str],
}

impl Registration {
    pub fn serves(&self, transport: Transport) -> bool {
        self.transports.contains(&transport)
    }
}

const TCP: &[Transport] = &[Transport::Tcp];

/// Every dissector, in the order a direction's first bytes are tried.
pub static DISSECTORS: &[Registration] = &[
    Registration {
        name: "tls",
        transports: TCP,
        // A ClientHello, or (the client's bytes not captured) a ServerHello.
        detect: |_, dir, data| {
            TlsDissector::detect(data)
                || (dir == Direction::ToClient && data.first() == Some(&22) && data.get(5) == Some(&2))
        },
        sender_is_client: |_, data| TlsDissector::detect(data).then_some(true),
        new: |_| Box::new(TlsDissector::new()),
        categories: &["protocol:tls"],
    },
    Registration {
        name: "ssh",
        transports: TCP,
        detect: |_, _, data| SshDissector::detect(data),
        sender_is_client: |_, _| None,
        new: |_| Box::new(SshDissector::new()),
        categories: &["protocol:ssh"],
    },
    Registration {
        name: "smb",
        transports: TCP,
        detect: |_, _, data| SmbDissector::detect(data),
        sender_is_client: |_, _| None,
        new: |_| Box::new(SmbDissector::new()),
        // SESSION_SETUP carries NTLM and Kerberos authentication.
        categories: &["protocol:smb", "share", "protocol:ntlm", "protocol:kerberos"],
    },
    Registration {
        name: "kerberos",
        transports: &[Transport::Tcp, Transport::Udp],
        detect: |transport, _, data| KerberosDissector::detect(transport, data),
        sender_is_client: KerberosDissector::sender_is_client,
        new: |transport| Box::new(KerberosDissector::new(transport)),
        categories: &["protocol:kerberos"],
    },
    Registration {
        name: "rdp",
        transports: TCP,
        detect: |_, _, data| RdpDissector::detect(data),
        sender_is_client: |_, data| RdpDissector::detect(data).then_some(true),
        new: |_| Box::new(RdpDissector::new()),
        categories: &["protocol:rdp"],
    },
];

/// The registered dissector called `name`.
pub fn registration(name: &str) -> Option<&'static Registration> {
    DISSECTORS.iter().find(|r| r.name == name)
}

/// The first registered dissector that `data`, the first bytes of `dir`, calls for.
pub fn identify(transport: Transport, dir: Direction, data: &[u8]) -> Option<&'static Registration> {
    DISSECTORS.iter().find(|r| r.serves(transport) && (r.detect)(transport, dir, data))
}

#[cfg(test)]
mod tests {
    //! The contract, checked the same way for every registered dissector.
    use super::*;
    use crate::wire::dissector::Gap;
    use crate::wire::feeding::{feed, findings_across_hole, findings_of, rechunk, Transcript};
    use crate::wire::test_support::{noisy, transcript};
    use crate::wire::Finding;
    use proptest::prelude::*;

    /// The same use, knowing less: a Kerberos exchange whose request or reply
    /// a hole hid is reported with what the other said; an SMB dialect
    /// whose NEGOTIATE a hole hid is SMB1 without its details (the server
    /// answered in SMB1) or SMB 2 or later, unknown; a partial SSH handshake
    /// has what it had, an RDP request without its confirm no security layer;
    /// a CREATE whose tree connect was hidden, no share.
    fn same_use(whole: &Finding, found: &Finding) -> bool {
        use crate::versions::SmbDialect;
        match (whole, found) {
            (
                Finding::SmbDialect { dialect, .. },
                Finding::SmbDialect { dialect: d, signing_required: None, cipher: None },
            ) => d == dialect || (*d == SmbDialect::Smb2Unknown && *dialect != SmbDialect::Smb1),
            (
                Finding::Kerberos { request_type, etype, requested_etypes, service, success, client, .. },
                Finding::Kerberos {
                    request_type: r,
                    etype: e,
                    requested_etypes: asked,
                    service: sv,
                    success: ok,
                    client: c,
                    ..
                },
            ) => {
                request_type == r
                    && (e.is_none() || e == etype)
                    && (asked.is_empty() || asked == requested_etypes)
                    && (sv.is_none() || sv == service)
                    && (ok.is_none() || ok == success)
                    && (c.is_none() || c == client)
            }
            (
                Finding::Ssh { version, client_banner, server_banner, kex, host_key, cipher, mac },
                Finding::Ssh {
                    version: v,
                    client_banner: cb,
                    server_banner: sb,
                    kex: k,
                    host_key: h,
                    cipher: c,
                    mac: m,
                },
            ) => {
                let part = |whole: &Option<String>, found: &Option<String>| found.is_none() || found == whole;
                version == v
                    && part(client_banner, cb)
                    && part(server_banner, sb)
                    && part(kex, k)
                    && part(host_key, h)
                    && part(cipher, c)
                    && part(mac, m)
            }
            (
                Finding::Rdp { security, requested, cookie },
                Finding::Rdp { security: s, requested: asked, cookie: c },
            ) => {
                (s.is_none() || s == security)
                    && (asked.is_empty() || asked == requested)
                    && (c.is_none() || c == cookie)
            }
            // The tree connect a hole hid: the file, on a share not known.
            (Finding::SmbCreate { file, access, .. }, Finding::SmbCreate { tree_path: None, file: f, access: a }) => {
                file == f && access == a
            }
            _ => whole == found,
        }
    }

    /// Each dissector's sample flows: real sessions from the committed
    /// captures where this machine has the implementation, built messages
    /// for the rest. A dissector registered without samples fails here.
    fn samples(name: &str) -> Vec<(Transport, Transcript)> {
        let tcp = |t: Vec<Transcript>| t.into_iter().map(|t| (Transport::Tcp, t)).collect::<Vec<_>>();
        match name {
            "tls" => tcp(vec![transcript("tls1_2.pcap"), transcript("tls1_3.pcap")]),
            "ssh" => tcp(vec![transcript("ssh.pcap")]),
            "smb" => {
                let mut real = vec![transcript("smb3.pcap"), transcript("nt1.pcap")];
                real.extend(crate::wire::smb::tests::samples());
                tcp(real)
            }
            "kerberos" => crate::wire::kerberos::tests::samples(),
            "rdp" => tcp(crate::wire::rdp::tests::samples()),
            other => panic!("dissector {other} has no samples: add a capture or messages here"),
        }
    }

    #[test]
    fn every_sample_is_recognised_and_yields_findings() {
        for r in DISSECTORS {
            for (transport, sample) in samples(r.name) {
                let (dir, first) = &sample[0];
                assert_eq!(identify(transport, *dir, first).map(|i| i.name), Some(r.name), "{} sample", r.name);
                let found = findings_of(&mut *(r.new)(transport), transport, &sample);
                assert!(!found.is_empty(), "a {} sample yields nothing", r.name);
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// A hole anywhere costs at most what it hid: the dissector never
        /// reports what was not there, and a hole it calls skipped hid nothing.
        #[test]
        fn a_hole_hides_no_more_than_it_held(at in any::<prop::sample::Index>(), from in any::<prop::sample::Index>(), lost in 1usize..5000) {
            for r in DISSECTORS {
                for (transport, sample) in samples(r.name).into_iter().filter(|(t, _)| *t == Transport::Tcp) {
                    let whole = findings_of(&mut *(r.new)(transport), transport, &sample);
                    let index = at.index(sample.len());
                    let from = from.index(sample[index].1.len());
                    let lost = lost.min(sample[index].1.len() - from);
                    let (found, cost) = findings_across_hole(&mut *(r.new)(transport), &sample, index, from, lost);
                    for finding in &found {
                        prop_assert!(whole.iter().any(|w| same_use(w, finding)), "{}: {finding:?} was not in the flow", r.name);
                    }
                    if cost == Gap::Skipped {
                        prop_assert_eq!(&found, &whole, "{}: a skipped hole hid something", r.name);
                    }
                }
            }
        }

        /// Any chunking of the same bytes gives the same findings.
        #[test]
        fn any_chunking_gives_the_same_findings(cuts in proptest::collection::vec(any::<usize>(), 1..24)) {
            for r in DISSECTORS {
                for (transport, sample) in samples(r.name).into_iter().filter(|(t, _)| *t == Transport::Tcp) {
                    let whole = findings_of(&mut *(r.new)(transport), transport, &sample);
                    let chunked = findings_of(&mut *(r.new)(transport), transport, &rechunk(&sample, &cuts));
                    prop_assert_eq!(&whole, &chunked, "{} in chunks {:?}", r.name, cuts);
                }
            }
        }

        /// Random bytes, and samples with random bytes spliced in, in random
        /// chunks to both directions: no panic, never more consumed than offered.
        #[test]
        fn hostile_bytes_never_panic_nor_overconsume(
            pick in any::<prop::sample::Index>(),
            bytes in noisy(Vec::new(), 1),
            splice in proptest::collection::vec(any::<u8>(), 0..64),
            at in any::<prop::sample::Index>(),
            cuts in proptest::collection::vec((any::<usize>(), any::<bool>()), 0..16),
        ) {
            for r in DISSECTORS {
                for &transport in r.transports {
                    let all = samples(r.name);
                    let mut sample: Vec<u8> = match all.iter().filter(|(t, _)| *t == transport).nth(pick.index(all.len())) {
                        Some((_, t)) => t.iter().flat_map(|(_, b)| b.clone()).collect(),
                        None => Vec::new(),
                    };
                    let at = at.index(sample.len() + 1);
                    sample.splice(at..at, splice.iter().copied());
                    for data in [&bytes, &sample] {
                        let mut chunks = Vec::new();
                        let mut rest = &data[..];
                        for (size, to_server) in &cuts {
                            let size = (*size % 700).min(rest.len());
                            let dir = if *to_server { Direction::ToServer } else { Direction::ToClient };
                            chunks.push((dir, &rest[..size]));
                            rest = &rest[size..];
                        }
                        chunks.push((Direction::ToServer, rest));
                        let mut d = (r.new)(transport);
                        let mut out = Vec::new();
                        feed(&mut *d, transport, chunks, &mut out);
                        d.finish(&mut out);
                    }
                }
            }
        }
    }
}
