def handler(request, context):
    history = len(context.session["history"])
    return {"response": f"{request['message']} / tools={sorted(context.tools)} / history={history}"}
