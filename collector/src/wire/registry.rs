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
    },
    Registration {
        name: "ssh",
        transports: TCP,
        detect: |_, _, data| SshDissector::detect(data),
        sender_is_client: |_, _| None,
        new: |_| Box::new(SshDissector::new()),
    },
    Registration {
        name: "smb",
        transports: TCP,
        detect: |_, _, data| SmbDissector::detect(data),
        sender_is_client: |_, _| None,
        new: |_| Box::new(SmbDissector::new()),
    },
    Registration {
        name: "kerberos",
        transports: &[Transport::Tcp, Transport::Udp],
        detect: |transport, _, data| KerberosDissector::detect(transport, data),
        sender_is_client: KerberosDissector::sender_is_client,
        new: |transport| Box::new(KerberosDissector::new(transport)),
    },
    Registration {
        name: "rdp",
        transports: TCP,
        detect: |_, _, data| RdpDissector::detect(data),
        sender_is_client: |_, data| RdpDissector::detect(data).then_some(true),
        new: |_| Box::new(RdpDissector::new()),
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
    use crate::wire::feeding::{feed, findings_of, rechunk, Transcript};
    use crate::wire::test_support::{noisy, transcript};
    use proptest::prelude::*;

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
