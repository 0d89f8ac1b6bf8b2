#!/bin/sh
# Runs Mosquitto on the password file and ACL that `greenops mosquitto-config` wrote (the mosquitto-config
# service of docker-compose.yml, into a volume mounted here at /mosquitto/greenops). Neither the image nor the
# repository holds a secret or a device list.
#   entrypoint.sh          install the files and run Mosquitto
#   entrypoint.sh reload   install them again and make the running Mosquitto read them (SIGHUP), after devices
#                          were issued or revoked and mosquitto-config ran again
set -eu
src=/mosquitto/greenops
dst=/mosquitto/data

install_files() {
  for f in passwd acl; do
    if [ ! -f "$src/$f" ]; then
      echo "missing $src/$f: run greenops mosquitto-config --out <the volume mounted at $src>" >&2
      exit 1
    fi
    # Copied so that Mosquitto (which drops to the mosquitto user) owns its copy, mode 0600; renamed into place
    # so a reload never reads half a file.
    cp "$src/$f" "$dst/$f.new"
    chown mosquitto:mosquitto "$dst/$f.new"
    chmod 0600 "$dst/$f.new"
    mv "$dst/$f.new" "$dst/$f"
  done
}

if [ "${1:-}" = reload ]; then
  install_files
  kill -HUP 1
  echo "Mosquitto reloads the password file and ACL"
  exit 0
fi
install_files
chown mosquitto:mosquitto "$dst"
exec mosquitto -c /mosquitto/config/mosquitto.conf
