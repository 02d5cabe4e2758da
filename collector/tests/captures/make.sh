#!/usr/bin/env bash
# Makes the committed captures in this directory from real implementations
# on loopback (run as root: tcpdump, smbd). Each capture holds one session;
# the tests cite their frames by number. Re-running gives new bytes (keys,
# nonces, times), so the tests assert what the protocols say, not the bytes.
#
#   collector/tests/captures/make.sh [OUT_DIR]
set -euo pipefail
out=$(cd "${1:-$(dirname "$0")}" && pwd)
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

capture() { # capture FILE PORT COMMAND...: one session on PORT into FILE
    local file=$1 port=$2
    shift 2
    tcpdump -U -s 0 -i lo -w "$work/$file" "tcp port $port" 2>/dev/null &
    local dump=$!
    sleep 1
    "$@" || true
    sleep 1
    kill -INT "$dump"
    wait "$dump" 2>/dev/null || true
    cp "$work/$file" "$out/$file"
}

wait_port() { for _ in $(seq 100); do (echo > "/dev/tcp/127.0.0.1/$1") 2>/dev/null && return; sleep 0.1; done; exit 1; }

# TLS 1.2 and 1.3: openssl s_server and s_client, with SNI.
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=temper.test \
    -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null
for version in 1_2 1_3; do
    port=$((44300 + ${version#1_}))
    openssl s_server -accept "127.0.0.1:$port" -cert "$work/cert.pem" -key "$work/key.pem" \
        -quiet "-tls$version" < /dev/null > /dev/null 2>&1 &
    server=$!
    wait_port "$port"
    capture "tls$version.pcap" "$port" \
        timeout 10 openssl s_client -connect "127.0.0.1:$port" -servername app.temper.test "-tls$version" < /dev/null > /dev/null 2>&1
    kill "$server"
done

# SSH: OpenSSH's sshd and ssh; authentication fails, the key exchange is complete.
ssh-keygen -q -t ed25519 -N '' -f "$work/hostkey"
mkdir -p /run/sshd
/usr/sbin/sshd -D -p 22220 -h "$work/hostkey" -o ListenAddress=127.0.0.1 -o PidFile=none &
wait_port 22220
capture ssh.pcap 22220 timeout 10 ssh -p 22220 -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
    -o BatchMode=yes -o PreferredAuthentications=none nobody@127.0.0.1 true
kill %?sshd 2>/dev/null || pkill -f "sshd -D -p 22220" || true

# SMB: Samba's smbd and smbclient; an NTLMv2 session as a user, a tree
# connect, a write, a listing and a read; once in SMB 3.1.1, once in NT1 (SMB1).
mkdir -p "$work"/{lock,state,cache,pid,private,ncalrpc,share}
cat > "$work/smb.conf" <<CONF
[global]
  server role = standalone server
  smb ports = 44450
  interfaces = lo
  bind interfaces only = yes
  server min protocol = NT1
  ntlm auth = yes
  lock directory = $work/lock
  state directory = $work/state
  cache directory = $work/cache
  pid directory = $work/pid
  private dir = $work/private
  ncalrpc dir = $work/ncalrpc
  log file = $work/log.%m
  load printers = no
  printcap name = /dev/null
  disable spoolss = yes
[projects]
  path = $work/share
  read only = no
  force user = root
CONF
id temper-capture > /dev/null 2>&1 || useradd --no-create-home --shell /usr/sbin/nologin temper-capture
printf 'secret\nsecret\n' | smbpasswd -c "$work/smb.conf" -s -a temper-capture > /dev/null
smbd --foreground --no-process-group -s "$work/smb.conf" > /dev/null 2>&1 &
wait_port 44450
echo "quarterly figures" > "$work/report.txt"
for protocol in SMB3 NT1; do
    file=$(echo "$protocol" | tr 'A-Z' 'a-z').pcap
    capture "$file" 44450 bash -c "cd '$work' && timeout 20 smbclient //127.0.0.1/projects -p 44450 \
        -U temper-capture%secret -m $protocol --option='client min protocol=NT1' --option='client ntlmv2 auth=yes' \
        -c 'put report.txt; ls; get report.txt copy.txt' > /dev/null"
done
# TLS through Linux NFLOG (`tcpdump -i nflog:N`): nftables logs both
# directions of a loopback handshake to group 7, in a table of its own.
nft add table inet temper_capture
nft add chain inet temper_capture out '{ type filter hook output priority 0; }'
nft add rule inet temper_capture out tcp dport 44310 log group 7
nft add rule inet temper_capture out tcp sport 44310 log group 7
openssl s_server -accept 127.0.0.1:44310 -cert "$work/cert.pem" -key "$work/key.pem" -quiet -tls1_3 \
    < /dev/null > /dev/null 2>&1 &
server=$!
wait_port 44310
tcpdump -U -s 0 -i nflog:7 -w "$work/nflog.pcap" 2>/dev/null &
dump=$!
sleep 1
timeout 10 openssl s_client -connect 127.0.0.1:44310 -servername app.temper.test -tls1_3 < /dev/null > /dev/null 2>&1 || true
sleep 1
kill -INT "$dump"; wait "$dump" 2>/dev/null || true
kill "$server"
nft delete table inet temper_capture
cp "$work/nflog.pcap" "$out/nflog.pcap"
ls -l "$out"/*.pcap
