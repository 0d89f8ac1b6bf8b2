#!/bin/sh
# Writes the password file from the environment (no secrets in the image or the repository), then runs Mosquitto.
set -eu
: "${MQTT_INGEST_PASSWORD:?set MQTT_INGEST_PASSWORD}"
: "${MQTT_SIMULATOR_PASSWORD:?set MQTT_SIMULATOR_PASSWORD}"
passwd=/mosquitto/data/passwd
rm -f "$passwd"
touch "$passwd"
chmod 0700 "$passwd"
mosquitto_passwd -b "$passwd" greenops-ingest "$MQTT_INGEST_PASSWORD"
mosquitto_passwd -b "$passwd" simulator "$MQTT_SIMULATOR_PASSWORD"
if [ -f /mosquitto/config/devices.passwd ]; then cat /mosquitto/config/devices.passwd >> "$passwd"; fi
chown mosquitto:mosquitto "$passwd" /mosquitto/data
exec mosquitto -c /mosquitto/config/mosquitto.conf
