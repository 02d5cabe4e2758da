# Shared by the bench scripts (sourced): timing a command and summarising runs.

measure() { # command... -> prints "seconds max_rss_kb" (needs $work)
    /usr/bin/time -o "$work/time.txt" -f "%e %M" "$@" > /dev/null 2>&1
    tail -1 "$work/time.txt"
}

stats() { # "t1 t2 ..." -> prints "median min max"
    printf '%s\n' $1 | sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.2f %.2f %.2f\n", m, a[1], a[NR]}'
}
