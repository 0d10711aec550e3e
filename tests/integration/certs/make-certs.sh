#!/usr/bin/env bash
# Makes the TLS test certificates with openssl, at test time, into OUTDIR (nothing secret is
# committed). Every key is EC P-256; every certificate but the dated ones is valid for 30 days.
#   tests/integration/certs/make-certs.sh OUTDIR
#
#   ca.crt ca.der ca.key                 the test CA (PEM, DER)
#   server.crt server.key                localhost, 127.0.0.1 and ::1 (subjectAltName), test CA
#   expired.crt expired.key              localhost, valid 2020-01-01 .. 2020-02-01, test CA
#   not-yet-valid.crt not-yet-valid.key  localhost, valid from 2040-01-01, test CA
#   wrong-host.crt wrong-host.key        other.example and 10.9.8.7, test CA
#   self-signed.crt self-signed.key      localhost and 127.0.0.1, signed by itself
#   revoked.crt revoked.key crl.pem      localhost, test CA, revoked in the CA's CRL (crl.pem)
#   client-ca.crt client-ca.key          the CA that signs client certificates
#   client.crt client.key                a client certificate (clientAuth), client CA
#   client-chain.pem                     client.crt then client-ca.crt
#   via-inter.crt via-inter.key          localhost, signed by inter-1 (an intermediate of the test
#                                        CA); the file holds the leaf and inter-1 (a whole chain)
#   leaf-only.crt leaf-only.key          the same leaf without its intermediate (T-05)
#   long-chain.crt long-chain.key        localhost under 9 intermediates (inter-1..inter-9), all sent:
#                                        over mbedTLS's MBEDTLS_X509_MAX_INTERMEDIATE_CA (8)
#   client-eku.crt client-eku.key        localhost, test CA, extendedKeyUsage clientAuth only
#   big-chain.crt big-chain.key          localhost under inter-1..inter-4, all sent: a Certificate
#                                        message over 2 KB, split by `s_server -max_send_frag 512` (T-08)
#   big-chain-cas.pem                    inter-4..inter-1 alone (s_server -cert_chain)
#   wildcard.crt/.key                    DNS:*.example.test (T-02)
#   partial-wildcard.crt/.key            DNS:f*.example.test
#   cn-only.crt/.key                     CN=localhost, no subjectAltName
#   cn-beside-san.crt/.key               CN=localhost, DNS:other.example
#   nul-in-san.crt/.key                  CN=localhost, DNS:"localhost\0.evil.test"
# Exit status: 0, or openssl's on failure (with its output on stderr).
set -euo pipefail

[[ $# -eq 1 ]] || { echo "usage: $0 OUTDIR" >&2; exit 2; }
out="$1"
mkdir -p "$out"
cd "$out"
command -v openssl >/dev/null || { echo "make-certs.sh: openssl not found (Debian package openssl)" >&2; exit 1; }

key() {  # NAME: NAME.key
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1.key" 2>/dev/null
}

# A self-signed CA with its own database for `openssl ca` (which takes explicit dates).
make_ca() {  # NAME COMMON_NAME
  local name="$1" cn="$2"
  key "$name"
  openssl req -x509 -new -key "$name.key" -sha256 -days 30 -subj "/CN=$cn" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -out "$name.crt"
  rm -rf "$name-db"
  mkdir -p "$name-db/new"
  : >"$name-db/index.txt"
  echo 1000 >"$name-db/serial"
  echo 1000 >"$name-db/crlnumber"
  cat >"$name-db/ca.cnf" <<EOF
[ ca ]
default_ca = this_ca
[ this_ca ]
database = $PWD/$name-db/index.txt
new_certs_dir = $PWD/$name-db/new
serial = $PWD/$name-db/serial
crlnumber = $PWD/$name-db/crlnumber
certificate = $PWD/$name.crt
private_key = $PWD/$name.key
default_md = sha256
default_days = 30
default_crl_days = 30
policy = any_name
unique_subject = no
copy_extensions = none
[ any_name ]
commonName = supplied
[ server ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = \${ENV::HTPX_SAN}
[ client ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
subjectAltName = \${ENV::HTPX_SAN}
[ server_without_san ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
[ intermediate ]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
EOF
}

# A certificate signed by CA: sign CA NAME COMMON_NAME EXTENSION SAN [openssl ca date options]
sign() {
  local ca="$1" name="$2" cn="$3" ext="$4" san="$5"
  shift 5
  key "$name"
  openssl req -new -key "$name.key" -subj "/CN=$cn" -out "$name.csr"
  HTPX_SAN="$san" openssl ca -batch -notext -config "$ca-db/ca.cnf" -extensions "$ext" \
    -in "$name.csr" -out "$name.crt" "$@" 2>"$name.log" || { cat "$name.log" >&2; exit 1; }
  rm -f "$name.csr" "$name.log"
}

make_ca ca "htpx test CA"
openssl x509 -in ca.crt -outform DER -out ca.der

localhost="DNS:localhost,IP:127.0.0.1,IP:::1"
sign ca server localhost server "$localhost"
sign ca expired localhost server "$localhost" -startdate 20200101000000Z -enddate 20200201000000Z
sign ca not-yet-valid localhost server "$localhost" -startdate 20400101000000Z -enddate 20410101000000Z
sign ca wrong-host other.example server "DNS:other.example,IP:10.9.8.7"
sign ca revoked localhost server "$localhost"
HTPX_SAN=none openssl ca -batch -config ca-db/ca.cnf -revoke revoked.crt 2>/dev/null
HTPX_SAN=none openssl ca -batch -config ca-db/ca.cnf -gencrl -out crl.pem 2>/dev/null

key self-signed
openssl req -x509 -new -key self-signed.key -sha256 -days 30 -subj "/CN=localhost" \
  -addext "basicConstraints=critical,CA:FALSE" -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
  -out self-signed.crt

make_ca client-ca "htpx test client CA"
sign client-ca client "htpx test client" client "DNS:client.invalid"
cat client.crt client-ca.crt >client-chain.pem

# Intermediates: inter-1 under the test CA, inter-N under inter-(N-1), each a CA with its own database.
parent=ca
for n in 1 2 3 4 5 6 7 8 9; do
  make_ca "inter-$n" "htpx test intermediate $n"
  # make_ca made a self-signed certificate; the CA above signs the same key instead.
  openssl req -new -key "inter-$n.key" -subj "/CN=htpx test intermediate $n" -out "inter-$n.csr"
  HTPX_SAN=none openssl ca -batch -notext -config "$parent-db/ca.cnf" -extensions intermediate \
    -in "inter-$n.csr" -out "inter-$n.crt" 2>"inter-$n.log" || { cat "inter-$n.log" >&2; exit 1; }
  rm -f "inter-$n.csr" "inter-$n.log"
  parent="inter-$n"
done
sign inter-1 via-inter localhost server "$localhost"
cp via-inter.crt leaf-only.crt
cp via-inter.key leaf-only.key
cat inter-1.crt >>via-inter.crt
sign inter-9 long-chain localhost server "$localhost"
for n in 9 8 7 6 5 4 3 2 1; do cat "inter-$n.crt" >>long-chain.crt; done
sign inter-4 big-chain localhost server "$localhost"
for n in 4 3 2 1; do cat "inter-$n.crt" >>big-chain-cas.pem; done
cat big-chain-cas.pem >>big-chain.crt
sign ca client-eku localhost client "$localhost"

# Names (catalogue T-02): wildcards, a partial-label wildcard, CN without and beside a SAN, and a
# NUL inside a SAN ("localhost\0.evil.test", written as DER: openssl's syntax has no NUL).
sign ca wildcard "*.example.test" server "DNS:*.example.test"
sign ca partial-wildcard "f*.example.test" server "DNS:f*.example.test"
sign ca cn-only localhost server_without_san none
sign ca cn-beside-san localhost server "DNS:other.example"
nul_name=$(printf 'localhost\0.evil.test' | od -An -tx1 | tr -d ' \n')  # 20 bytes
sign ca nul-in-san localhost server "DER:30168214$nul_name"

chmod 600 ./*.key
echo "make-certs.sh: certificates in $PWD"
