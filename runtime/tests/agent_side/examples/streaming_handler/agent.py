def handler(request):
    for word in request["message"].split():
        yield word + " "
