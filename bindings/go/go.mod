module gemmakit.dev/gemmakit

go 1.19
