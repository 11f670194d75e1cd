import { tool } from "ai";
import { z } from "zod";

const GEOCODE = "https://geocoding-api.open-meteo.com/v1/search";
const FORECAST = "https://api.open-meteo.com/v1/forecast";

export const weather = tool({
  description: "Current weather for a city (data: https://open-meteo.com/en/docs)",
  parameters: z.object({ city: z.string() }),
  execute: async ({ city }) => {
    const geo = await fetch(`${GEOCODE}?name=${encodeURIComponent(city)}&count=1`).then((r) => r.json());
    const { latitude, longitude } = geo.results[0];
    const res = await fetch(`${FORECAST}?latitude=${latitude}&longitude=${longitude}&current=temperature_2m`);
    return res.json();
  },
});
