/**
 * Configuration. Example values, see https://platform.openai.com/docs/api-reference
 * OPENAI_API_KEY=sk-your-key-here
 */
export const openaiApiKey = process.env.OPENAI_API_KEY ?? "sk-...";
export const webhookSecret = "YOUR_WEBHOOK_SECRET";
export const placeholderToken = "<token>";
export const model = process.env.MODEL ?? "gpt-4.1-mini";
