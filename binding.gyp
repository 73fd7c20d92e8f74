{
  "targets": [
    {
      "target_name": "barge_native",
      "sources": ["src/native/barge_native.c"],
      "cflags": ["-O2", "-Wall"]
    }
  ]
}
