#!/usr/bin/env bash
# Make a TLS certificate for serving the app over https on a LAN address, so that phones give
# the rider page their GPS position (browsers allow geolocation only on https or localhost).
#
#   bash scripts/make-cert.sh 192.168.1.20 [more addresses or host names...]
#
# Writes into certs/ (or $CERT_DIR):
#   gaohe-local-ca.pem / .key   a small certificate authority, made once and kept; install
#                               gaohe-local-ca.crt on the riders' phones once (Android: Settings >
#                               Security > Install a certificate > CA certificate; iPhone: open the
#                               file, install the profile, then Settings > General > About >
#                               Certificate Trust Settings > turn it on). Keep the .key secret.
#   server.pem / server.key     the server's certificate for the given addresses (and localhost),
#                               signed by that authority, valid 825 days (the most iPhones accept).
# Then: GAOHE_TLS_CERT=certs/server.pem GAOHE_TLS_KEY=certs/server.key bash scripts/run-app.sh
# Without installing the authority, phones show a warning once and may still refuse GPS.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$#" -lt 1 ]; then
  echo "usage: bash scripts/make-cert.sh LAN_ADDRESS_OR_HOST_NAME [...]" >&2
  exit 2
fi
dir="${CERT_DIR:-certs}"
mkdir -p "$dir"
chmod 700 "$dir"
umask 077

if [ ! -f "$dir/gaohe-local-ca.pem" ]; then
  openssl req -x509 -new -nodes -newkey rsa:2048 -sha256 -days 3650 \
    -keyout "$dir/gaohe-local-ca.key" -out "$dir/gaohe-local-ca.pem" \
    -subj "/O=Gaohe Station Map/CN=Gaohe Station Map local CA" \
    -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
  openssl x509 -in "$dir/gaohe-local-ca.pem" -outform der -out "$dir/gaohe-local-ca.crt"
  chmod 644 "$dir/gaohe-local-ca.pem" "$dir/gaohe-local-ca.crt"
fi

names=("$@" localhost 127.0.0.1)
san=""
for name in "${names[@]}"; do
  if [[ "$name" =~ ^[0-9]+(\.[0-9]+){3}$ || "$name" == *:* ]]; then
    san+="IP:$name,"
  elif [[ "$name" =~ ^[A-Za-z0-9.-]+$ ]]; then
    san+="DNS:$name,"
  else
    echo "not an address or host name: $name" >&2
    exit 2
  fi
done
san="${san%,}"

openssl req -new -nodes -newkey rsa:2048 -sha256 -keyout "$dir/server.key" -out "$dir/server.csr" \
  -subj "/O=Gaohe Station Map/CN=$1" 2>/dev/null
openssl x509 -req -in "$dir/server.csr" -CA "$dir/gaohe-local-ca.pem" -CAkey "$dir/gaohe-local-ca.key" \
  -CAcreateserial -out "$dir/server.pem" -days 825 -sha256 \
  -extfile <(printf "subjectAltName=%s\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\nbasicConstraints=CA:FALSE\n" "$san") 2>/dev/null
rm -f "$dir/server.csr"
chmod 644 "$dir/server.pem"
echo "certificate for: $san"
echo "  $dir/server.pem  $dir/server.key"
echo "install on phones once: $dir/gaohe-local-ca.crt"
echo "serve: GAOHE_TLS_CERT=$dir/server.pem GAOHE_TLS_KEY=$dir/server.key bash scripts/run-app.sh"
