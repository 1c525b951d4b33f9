// What the mini-program does with the generated client: log in, report an issue, list my
// issues. It only has to type-check (tsc --strict): the types come from the served document.
import createClient from "openapi-fetch";
import type { paths, components } from "./schema";

type Issue = components["schemas"]["IssueDTO"];

export async function reportAndList(code: string, buildingId: string, categoryId: string): Promise<Issue[]> {
  const api = createClient<paths>({ baseUrl: "https://linli.example.cn" });

  const login = await api.POST("/api/v1/auth/login", { body: { code } });
  if (login.error) {
    throw new Error(login.error.message);
  }
  const token: string = login.data.data.token;
  const auth = { Authorization: `Bearer ${token}` };

  const reported = await api.POST("/api/v1/issues", {
    headers: { ...auth, "Idempotency-Key": "report-1" },
    body: { building_id: buildingId, category_id: categoryId, description: "楼道灯不亮", urgency: "normal", anonymous: false },
  });
  if (reported.error) {
    throw new Error(reported.error.message);
  }
  const issue: Issue = reported.data.data;
  const reporter: string | undefined = issue.reporter?.nickname; // null when anonymous to others

  const mine = await api.GET("/api/v1/issues", { headers: auth, params: { query: { scope: "mine", limit: 20 } } });
  if (mine.error) {
    throw new Error(mine.error.message);
  }
  const next: string = mine.data.data.next_cursor;
  void reporter;
  void next;
  return mine.data.data.items;
}
