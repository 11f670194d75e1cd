SERVICE_ACCOUNT_EMAIL = "reporter@acme-analytics.iam.gserviceaccount.com"
PRIVATE_KEY_ID = "ae0ad8e6f79007a258c0a9ade55184b2e0ace2ce"
PRIVATE_KEY = "-----BEGIN PRIVATE KEY-----\nEUd9vGYQ4KpeFcdR4q4S4Er1BGUtGC7tjdLE/yVT7+MhM48OFvtqZ8+4L867MU3u\nZNC1yLlTJWKNuKMp0C7VPqSY2iBZ+4L7NQqGvzGcM+nK6fC0ZaUEgAksTvV9Hbjm\nua9RLKav/5/F+Qa8O/fnomM2frLXAKskJkQv/1t+19eIi9E4l+q7oeuhcAgSWw7N\nR+S+diHBaI1+Sp7nbqIbjc5uwIOc7cvphGjFgNY2CsRKWc0AMyrC8D+PiIXinVFt\n6GqNEVz9HQbGvaAeGaXe2F2b29ij5Azg/rU564hTsoI57jhCPyDtbILH1bOI4MLz\nosvOe8v5WnwdvYdAZklykTsh/kXynEAWxj3dexY928w/3gVqLmFx607oSgNS2s4L\n-----END PRIVATE KEY-----\n"
TOKEN_URI = "https://oauth2.googleapis.com/token"
