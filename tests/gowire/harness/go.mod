module gowireharness

go 1.19
