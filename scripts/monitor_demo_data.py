#!/usr/bin/env python3
"""Makes the demo's replay files data/monitor/demo/*.csv (format of `anjian replay`:
tag,ts_ms,value) from the real recordings in the shared reference folder
(../shared/reference/realdata/sensor-timeseries, README there):

  pump_valve1.csv  SKAB valve1/0..15.csv (one session, 2020-03-09 10:14-15:34, 1 s):
                   PT-401 Pressure (bar), TT-402 Temperature (motor body, degC),
                   TT-403 Thermocouple (fluid, degC), FT-404 Volume Flow RateRMS (L/min)
  pump_valve1_anomalies.csv  the labelled anomaly windows of those runs (SKAB's anomaly
                   column): run,start_ms,end_ms (first and last second labelled 1), for the
                   test that the demo's set points raise alarms inside them and nowhere else
  co_2004.csv      UCI Air Quality 2004, hourly: AT-201 CO(GT) (mg/m3); -200 (missing) is
                   written as an empty value (a bad reading)

Times: the recordings' local clock times read as UTC ms (only their spacing matters: the
demo shifts them). Values are copied as written (decimal comma made a dot), not rounded.
Usage: scripts/monitor_demo_data.py SRC_DIR OUT_DIR"""
import calendar
import csv
import os
import sys
import time


def ms(stamp, fmt):
    return calendar.timegm(time.strptime(stamp, fmt)) * 1000


def main(src, out):
    rows = []
    windows = []
    for i in range(16):
        with open(os.path.join(src, 'skab', 'valve1', f'{i}.csv'), newline='') as f:
            for r in csv.DictReader(f, delimiter=';'):
                t = ms(r['datetime'], '%Y-%m-%d %H:%M:%S')
                if float(r['anomaly']) == 1:
                    if len(windows) == i:
                        windows.append([i, t, t])
                    windows[i][2] = t
                rows += [('PT-401', t, r['Pressure']), ('TT-402', t, r['Temperature']),
                         ('TT-403', t, r['Thermocouple']),
                         ('FT-404', t, r['Volume Flow RateRMS'])]
    rows.sort(key=lambda x: x[1])  # stable: the tag order stays within one second
    with open(os.path.join(out, 'pump_valve1.csv'), 'w', newline='') as f:
        f.write('tag,ts_ms,value\n')
        f.writelines(f'{a},{b},{c}\n' for a, b, c in rows)
    with open(os.path.join(out, 'pump_valve1_anomalies.csv'), 'w', newline='') as f:
        f.write('run,start_ms,end_ms\n')
        f.writelines(f'{a},{b},{c}\n' for a, b, c in windows)
    rows = []
    with open(os.path.join(src, 'uci-air-quality', 'AirQualityUCI_2004.csv'), newline='',
              encoding='latin-1') as f:
        for r in csv.DictReader(f, delimiter=';'):
            if not r.get('Date'):
                continue
            t = ms(r['Date'] + ' ' + r['Time'], '%d/%m/%Y %H.%M.%S')
            v = r['CO(GT)'].replace(',', '.')
            rows.append(('AT-201', t, '' if float(v) == -200 else v))
    rows.sort(key=lambda x: x[1])
    with open(os.path.join(out, 'co_2004.csv'), 'w', newline='') as f:
        f.write('tag,ts_ms,value\n')
        f.writelines(f'{a},{b},{c}\n' for a, b, c in rows)


if __name__ == '__main__':
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
