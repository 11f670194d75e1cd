// Local testing only; rotate before shipping.
export const GITHUB_API = process.env.GITHUB_API_URL ?? "https://api.github.com";
export const OPENAI_KEY = "sk-proj-Qm7Xr2Lk9Vt4Hw8Zp3Nc6Bd1Fy5Gs0JuEa2Ki7Ro4Tq9Wx";
export const TRIAGE_MODEL = "gpt-4o-mini";
