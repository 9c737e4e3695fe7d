// Printing helpers shared by the JS twins: one line per event, values printed the way
// _trace.py prints their Python counterparts.
'use strict';

function fmt(v) {
  if (v === undefined) return 'undefined';
  if (v === null) return 'null';
  if (Buffer.isBuffer(v)) return v.toString();
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

function out(...values) {
  console.log(values.map(fmt).join(' '));
}

// The .code of what fn() throws ('ok' when it does not throw).
function code(fn) {
  try {
    fn();
    return 'ok';
  } catch (err) {
    return err.code || err.name;
  }
}

module.exports = { fmt, out, code };
