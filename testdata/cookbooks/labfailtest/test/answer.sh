#!/bin/sh
grep -qx 'answer = 42' /etc/labfailtest.conf && echo "the answer is there"
