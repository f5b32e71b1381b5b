#!/bin/sh
# Expects what the recipe does not declare, so it fails.
echo "looking for answer = 43"
grep -qx 'answer = 43' /etc/labfailtest.conf
