#!/usr/bin/env bash
# Checks that every given ELF executable loads OpenBLAS before GSL's reference CBLAS
# (libgslcblas): both define every cblas_* symbol and the first one loaded wins (16× slower
# dgemm otherwise; see the link-order comment in Package.swift). Linux only; exits 1 on the
# first executable whose NEEDED entries list libgslcblas before libopenblas.
# Usage: check-link-order.sh EXECUTABLE...
set -u
status=0
checked=0
for file in "$@"; do
    [ -f "$file" ] && [ -x "$file" ] || continue
    needed=$(readelf -d "$file" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p') || continue
    gsl=$(printf '%s\n' "$needed" | grep -n '^libgslcblas' | cut -d: -f1 | head -1)
    blas=$(printf '%s\n' "$needed" | grep -n '^libopenblas' | cut -d: -f1 | head -1)
    checked=$((checked + 1))
    if [ -n "$gsl" ] && { [ -z "$blas" ] || [ "$gsl" -lt "$blas" ]; }; then
        echo "check-link-order: $file loads libgslcblas before OpenBLAS:" $needed >&2
        status=1
    fi
done
echo "check-link-order: $checked executables checked"
[ "$checked" -gt 0 ] || { echo "check-link-order: no executable found" >&2; exit 1; }
exit $status
